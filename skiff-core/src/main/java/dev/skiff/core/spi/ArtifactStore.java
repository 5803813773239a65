package dev.skiff.core.spi;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Blob storage for artifacts and step logs, addressed by '/'-separated relative paths. Backends
 * (local folder, S3) live in their own modules and pass the artifact store contract suite of {@code
 * skiff-testing}. Opening a store needs no network; {@link #check()} does.
 */
public interface ArtifactStore {

  /**
   * Where the store lives, e.g. {@code file:///home/me/.skiff/artifacts} or {@code
   * s3://bucket/prefix}. Part of every cache key: hits never cross stores.
   */
  String uri();

  /**
   * Writes a blob with {@code writer}, streaming (a store never needs the whole blob in memory).
   * The blob becomes visible only when the writer returns normally, so readers never see
   * half-written artifacts; if it throws, or the process dies, nothing visible is left behind. An
   * existing blob is replaced.
   */
  void write(String path, BlobWriter writer) throws IOException;

  /**
   * A stream of the blob's bytes; fails with {@link java.io.FileNotFoundException} or {@link
   * java.nio.file.NoSuchFileException} when it is missing.
   */
  InputStream open(String path) throws IOException;

  boolean exists(String path);

  /** Paths of the blobs whose path starts with {@code prefix} ("" for all), sorted. */
  List<String> list(String prefix) throws IOException;

  /** Appends to a blob (step logs), creating it if needed. */
  void append(String path, byte[] bytes) throws IOException;

  /**
   * A writer for a log blob that grows while a step runs. The default appends each call at once;
   * stores without cheap appends (S3) buffer and publish the whole log now and then and on {@link
   * Appender#close()}.
   */
  default Appender appender(String path) {
    return bytes -> append(path, bytes);
  }

  void delete(String path) throws IOException;

  /**
   * Checks that the store can be used from here: reachable, present, credentials accepted. Cheap
   * (one request); throws {@link ArtifactStoreException} with a one-line message naming the fix.
   * The local store checks that its folder is writable.
   */
  default void check() {}

  /**
   * True when only processes on this machine can reach the store (a local folder that is not
   * declared mounted in pods), so a stack whose orchestrator runs remotely must refuse it.
   */
  default boolean onlyOnThisMachine() {
    return false;
  }

  /** Fills a new blob. */
  @FunctionalInterface
  interface BlobWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Appends to one log blob; see {@link #appender(String)}. Thread-safe. */
  @FunctionalInterface
  interface Appender extends Closeable {
    void append(byte[] bytes) throws IOException;

    /** Publishes what was appended; later appends are not allowed. */
    @Override
    default void close() throws IOException {}
  }

  /** The blob as a local file, when the store is on this machine's disk. */
  default Optional<Path> localFile(String path) {
    return Optional.empty();
  }
}
