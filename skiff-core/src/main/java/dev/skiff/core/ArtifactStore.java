package dev.skiff.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Blob storage for artifacts and step logs, addressed by '/'-separated relative paths.
 * Backends (local folder, S3) live in their own modules.
 */
public interface ArtifactStore {

  /** Where the store lives, e.g. {@code file:///home/me/.skiff/artifacts}. */
  String uri();

  /**
   * Writes a blob with {@code writer}. The blob becomes visible only when the writer returns
   * normally, so readers never see half-written artifacts; if it throws, nothing is left behind.
   * An existing blob is replaced.
   */
  void write(String path, BlobWriter writer) throws IOException;

  InputStream open(String path) throws IOException;

  boolean exists(String path);

  /** Appends to a blob (step logs), creating it if needed. */
  void append(String path, byte[] bytes) throws IOException;

  void delete(String path) throws IOException;

  /** Fills a new blob. */
  @FunctionalInterface
  interface BlobWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  /** The blob as a local file, when the store is on this machine's disk. */
  default Optional<Path> localFile(String path) {
    return Optional.empty();
  }
}
