package dev.skiff.core.spi;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * Stores that keep secret values out of what they record: the error of a run or step and the lines
 * of a step's saved log pass through {@code redact} (which replaces each secret value the caller
 * knows by a placeholder, e.g. its reference {@code {{secret.NAME.KEY}}}) before they are written.
 * Everything else is passed on unchanged. Used where a run is driven: the CLI wraps the stores it
 * hands to orchestrators; the orchestrator pod wraps the stores of its run Secret.
 *
 * <p>The wrappers are dynamic proxies, so every method of the interfaces, present or added later,
 * reaches the wrapped store unchanged unless it is one of the few rewritten here.
 */
public final class Redaction {
  private Redaction() {}

  /** {@code store}, recording run and step errors through {@code redact}. */
  public static MetadataStore metadataStore(MetadataStore store, UnaryOperator<String> redact) {
    return proxy(
        MetadataStore.class,
        store,
        (proxy, method, args) -> {
          if (method.getName().equals("updateRun")
              && args != null
              && args.length == 4
              && args[3] instanceof String error) {
            args = args.clone();
            args[3] = redact.apply(error);
          } else if (method.getName().equals("saveStep")
              && args != null
              && args.length == 1
              && args[0] instanceof StepRecord step
              && step.error() != null) {
            args =
                new Object[] {
                  step.withStatus(step.status(), step.endedAt(), redact.apply(step.error()))
                };
          }
          return invoke(method, store, args);
        });
  }

  /**
   * {@code store}, appending step log lines through {@code redact}; blobs written with {@code
   * write} are not changed.
   */
  public static ArtifactStore artifactStore(ArtifactStore store, UnaryOperator<String> redact) {
    return proxy(
        ArtifactStore.class,
        store,
        (proxy, method, args) -> {
          if (method.getName().equals("append")
              && args != null
              && args.length == 2
              && args[1] instanceof byte[] bytes) {
            args = new Object[] {args[0], redact(bytes, redact)};
          } else if (method.getName().equals("appender") && args != null && args.length == 1) {
            ArtifactStore.Appender appender = (ArtifactStore.Appender) invoke(method, store, args);
            return new ArtifactStore.Appender() {
              @Override
              public void append(byte[] bytes) throws IOException {
                appender.append(redact(bytes, redact));
              }

              @Override
              public void close() throws IOException {
                appender.close();
              }
            };
          }
          return invoke(method, store, args);
        });
  }

  /** Log lines arrive whole (one append per line), so a value is never split across calls. */
  private static byte[] redact(byte[] bytes, UnaryOperator<String> redact) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    String redacted = redact.apply(text);
    return redacted.equals(text) ? bytes : redacted.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T proxy(Class<T> type, T target, InvocationHandler handler) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
