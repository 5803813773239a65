package dev.skiff.local.internal;

import dev.skiff.core.spi.StepLogSink;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Routes what in-process steps print to {@code System.out}/{@code System.err} into their step log,
 * by thread (threads a step starts inherit its log). Other threads print as before.
 */
public final class ConsoleCapture {
  private static final InheritableThreadLocal<StepLogSink> SINK = new InheritableThreadLocal<>();
  private static final Object LOCK = new Object();
  private static int installs;
  private static PrintStream originalOut;
  private static PrintStream originalErr;

  private ConsoleCapture() {}

  /** Installs the routing streams (counted, so nested launchers share one install). */
  public static void install() {
    synchronized (LOCK) {
      if (installs++ == 0) {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(routed(originalOut));
        System.setErr(routed(originalErr));
      }
    }
  }

  public static void uninstall() {
    synchronized (LOCK) {
      if (installs > 0 && --installs == 0) {
        System.setOut(originalOut);
        System.setErr(originalErr);
      }
    }
  }

  public static void bind(StepLogSink sink) {
    SINK.set(sink);
  }

  public static void unbind() {
    SINK.remove();
  }

  private static PrintStream routed(PrintStream original) {
    return new PrintStream(new Router(original), true, StandardCharsets.UTF_8);
  }

  /** Buffers per thread until a newline, then hands the line to that thread's step log. */
  private static final class Router extends OutputStream {
    private final PrintStream original;
    private final ThreadLocal<ByteArrayOutputStream> buffer =
        ThreadLocal.withInitial(ByteArrayOutputStream::new);

    Router(PrintStream original) {
      this.original = original;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      StepLogSink sink = SINK.get();
      if (sink == null) {
        original.write(b, off, len);
        return;
      }
      ByteArrayOutputStream buf = buffer.get();
      for (int i = off; i < off + len; i++) {
        if (b[i] == '\n') {
          String line = buf.toString(StandardCharsets.UTF_8);
          buf.reset();
          sink.line(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        } else {
          buf.write(b[i]);
        }
      }
    }

    @Override
    public void flush() {
      if (SINK.get() == null) {
        original.flush();
      }
    }
  }
}
