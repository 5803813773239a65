package dev.skiff.artifacts;

import dev.skiff.core.ArtifactStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * An {@link ArtifactStore} in a folder on this machine. A blob's path, '/'-separated and relative,
 * is its file's path under the root folder.
 *
 * <p>{@link #create} writes to a hidden temporary file in the target's folder and renames it into
 * place when the stream is closed (see {@link AtomicFileOutputStream}). {@link #append} writes
 * each call's bytes in one piece, so lines appended by several threads, or processes, never
 * interleave. Paths that could leave the root ({@code ..}, absolute paths, backslashes, empty
 * segments) are rejected with {@link IllegalArgumentException}. Symbolic links inside the root
 * are followed and not checked.
 */
public final class LocalArtifactStore implements ArtifactStore {
  /** Prefix of the temporary files {@link #create} writes; they are never valid blobs. */
  static final String TEMP_PREFIX = ".skiff-tmp-";

  /**
   * Serializes appends within this JVM, where a {@link FileLock} can't: it is held by the whole
   * JVM, and a second lock on the same file from another channel fails. Shared by all instances,
   * since two stores may have the same root. Striped so the set stays bounded.
   */
  private static final Object[] APPEND_LOCKS = new Object[64];

  static {
    for (int i = 0; i < APPEND_LOCKS.length; i++) {
      APPEND_LOCKS[i] = new Object();
    }
  }

  private final Path root;

  /** A store in {@code root}, which is created if missing. */
  public LocalArtifactStore(Path root) throws IOException {
    Path absolute = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    Files.createDirectories(absolute);
    this.root = absolute.toRealPath();
  }

  /** The root folder. */
  public Path root() {
    return root;
  }

  /** The root as a {@code file:} URI without a trailing slash. */
  @Override
  public String uri() {
    String uri = root.toUri().toString();
    return uri.endsWith("/") && !uri.endsWith(":///") ? uri.substring(0, uri.length() - 1) : uri;
  }

  /**
   * A stream to the blob, which appears, complete, when the stream is closed. Folders are created
   * as needed. Call {@link AtomicFileOutputStream#abort()} to give up.
   */
  public AtomicFileOutputStream create(String path) throws IOException {
    Path file = resolve(path);
    Path folder = file.getParent();
    Files.createDirectories(folder);
    return new AtomicFileOutputStream(file, folder.resolve(TEMP_PREFIX + UUID.randomUUID()));
  }

  @Override
  public void write(String path, BlobWriter writer) throws IOException {
    AtomicFileOutputStream out = create(path);
    try {
      writer.writeTo(out);
    } catch (IOException | RuntimeException | Error e) {
      out.abort();
      throw e;
    }
    out.close();
  }

  @Override
  public InputStream open(String path) throws IOException {
    return Files.newInputStream(resolve(path));
  }

  @Override
  public boolean exists(String path) {
    return Files.isRegularFile(resolve(path));
  }

  /**
   * Appends {@code bytes} in one piece: concurrent appends to the same blob, from threads of this
   * JVM or from other processes, don't interleave. Pass whole lines to keep a log readable.
   */
  @Override
  public void append(String path, byte[] bytes) throws IOException {
    Path file = resolve(path);
    Files.createDirectories(file.getParent());
    synchronized (APPEND_LOCKS[Math.floorMod(file.hashCode(), APPEND_LOCKS.length)]) {
      try (FileChannel channel =
              FileChannel.open(
                  file,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.APPEND)) {
        FileLock lock = channel.lock(); // against other processes appending to the same file
        try {
          ByteBuffer buffer = ByteBuffer.wrap(bytes);
          while (buffer.hasRemaining()) {
            channel.write(buffer);
          }
        } finally {
          lock.release();
        }
      }
    }
  }

  /** Deletes the blob; does nothing if there is none. */
  @Override
  public void delete(String path) throws IOException {
    Files.deleteIfExists(resolve(path));
  }

  /** The blob's file, whether or not it exists yet. */
  @Override
  public Optional<Path> localFile(String path) {
    return Optional.of(resolve(path));
  }

  @Override
  public String toString() {
    return "LocalArtifactStore[" + root + "]";
  }

  /** The file for {@code path}, checked to be a relative path that stays under the root. */
  Path resolve(String path) {
    Objects.requireNonNull(path, "path");
    if (path.isEmpty()) {
      throw new IllegalArgumentException("artifact path is empty");
    }
    if (path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "artifact path must be '/'-separated, without backslashes or NUL: " + path);
    }
    if (path.startsWith("/")) {
      throw new IllegalArgumentException("artifact path must be relative: " + path);
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "artifact path has an empty, '.' or '..' segment: " + path);
      }
    }
    Path relative = root.getFileSystem().getPath(path);
    Path file = root.resolve(relative).normalize();
    if (relative.isAbsolute()
        || relative.getRoot() != null
        || !file.startsWith(root)
        || file.equals(root)) {
      throw new IllegalArgumentException("artifact path leaves the store: " + path);
    }
    return file;
  }
}
