package dev.skiff.core.internal;

import dev.skiff.core.ArtifactStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** A step's saved log: {@code runs/<run>/logs/<step>.log} in the artifact store. */
public final class RunLogs {
  private final ArtifactStore store;
  private final String path;

  public RunLogs(ArtifactStore store, String runId, String step) {
    this.store = store;
    this.path = path(runId, step);
  }

  public static String path(String runId, String step) {
    return "runs/" + runId + "/logs/" + step + ".log";
  }

  public void header(int attempt) {
    append("--- attempt " + attempt + " ---");
  }

  public void append(String line) {
    try {
      store.append(path, (line + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save log line to " + path + ": " + e.getMessage(), e);
    }
  }
}
