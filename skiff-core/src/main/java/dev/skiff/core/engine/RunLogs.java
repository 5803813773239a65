package dev.skiff.core.engine;

import dev.skiff.core.spi.ArtifactStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A step's saved log: {@code runs/<run>/logs/<step>.log} in the artifact store, written through the
 * store's {@linkplain ArtifactStore#appender appender}. Lines that arrive after {@link #close()} (a
 * pod's log stream still draining) are still saved.
 */
public final class RunLogs implements AutoCloseable {
  private final ArtifactStore.Appender appender;
  private final String path;

  public RunLogs(ArtifactStore store, String runId, String step) {
    this.path = path(runId, step);
    this.appender = store.appender(path);
  }

  public static String path(String runId, String step) {
    return "runs/" + runId + "/logs/" + step + ".log";
  }

  public void header(int attempt) {
    append("--- attempt " + attempt + " ---");
  }

  public void append(String line) {
    try {
      appender.append((line + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save log line to " + path + ": " + e.getMessage(), e);
    }
  }

  /** Publishes the lines appended so far. */
  @Override
  public void close() {
    try {
      appender.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the log " + path + ": " + e.getMessage(), e);
    }
  }
}
