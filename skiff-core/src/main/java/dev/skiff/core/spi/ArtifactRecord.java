package dev.skiff.core.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * An artifact written by a step: a data output, or a visualization attached to the step's outputs.
 * {@code path} is relative to the artifact store root; {@code contentHash} is the SHA-256 of the
 * stored bytes in hex.
 */
public record ArtifactRecord(
    String id,
    String runId,
    String step,
    String name,
    Kind kind,
    String type,
    String materializer,
    String path,
    String contentHash,
    long size,
    Instant createdAt) {

  /** What an artifact holds. */
  public enum Kind {
    /** A step output; {@code type} is the Java type, {@code materializer} the materializer id. */
    DATA,
    /** A report; {@code type} is the media type, e.g. text/html. */
    VISUALIZATION
  }

  public ArtifactRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(contentHash, "contentHash");
  }

  /** The step outputs among {@code all} (visualizations left out), in their order. */
  public static java.util.Map<String, ArtifactRecord> dataOnly(
      java.util.Map<String, ArtifactRecord> all) {
    java.util.Map<String, ArtifactRecord> data = new java.util.LinkedHashMap<>();
    all.forEach(
        (name, a) -> {
          if (a.kind() == Kind.DATA) {
            data.put(name, a);
          }
        });
    return data;
  }
}
