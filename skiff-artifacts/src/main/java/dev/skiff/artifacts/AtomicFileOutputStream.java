package dev.skiff.artifacts;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A stream to a temporary file that {@link #close()} moves atomically onto the target: readers see
 * the old file or the complete new one, never a partial one. The file is readable and writable by
 * its owner only, whatever the umask; after the rename the target's folder is synced, so the new
 * name survives a crash too. {@link #abort()} discards the temporary file instead; so does {@code
 * close()} after a failed write.
 *
 * <p>{@code close()} can't tell that the code writing to it failed, so a writer that must not
 * publish after its own exception calls {@code abort()} (or skips {@code close()}):
 *
 * <pre>{@code
 * AtomicFileOutputStream out = store.create(path);
 * try {
 *   materializer.write(value, type, out);
 * } catch (Throwable e) {
 *   out.abort();
 *   throw e;
 * }
 * out.close();
 * }</pre>
 *
 * <p>Not thread-safe, like other streams.
 */
public final class AtomicFileOutputStream extends OutputStream {
  static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private final Path target;
  private final Path temp;
  private final FileChannel channel;
  private final OutputStream out;
  private boolean failed;
  private boolean closed;

  /** Opens a new temporary file next to {@code target}; the folder must exist. */
  AtomicFileOutputStream(Path target, Path temp) throws IOException {
    this.target = target;
    this.temp = temp;
    this.channel = openOwnerOnly(temp);
    this.out =
        new BufferedOutputStream(Channels.newOutputStream(channel), BinaryFormat.CHUNK_BYTES);
  }

  /** For tests: writes go to {@code out} and the temporary file is left empty. */
  AtomicFileOutputStream(Path target, Path temp, OutputStream out) throws IOException {
    this.target = target;
    this.temp = temp;
    this.channel = openOwnerOnly(temp);
    this.out = Objects.requireNonNull(out);
  }

  private static FileChannel openOwnerOnly(Path temp) throws IOException {
    boolean posix = temp.getFileSystem().supportedFileAttributeViews().contains("posix");
    FileAttribute<?>[] attributes =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
            : new FileAttribute<?>[0];
    // 0600 at creation: a umask can only take bits away, so the file is owner-only whatever it is
    return FileChannel.open(
        temp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes);
  }

  /** Where the data goes once the stream is closed. */
  public Path target() {
    return target;
  }

  @Override
  public void write(int b) throws IOException {
    ensureOpen();
    try {
      out.write(b);
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    try {
      out.write(b, off, len);
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
  }

  @Override
  public void flush() throws IOException {
    ensureOpen();
    try {
      out.flush();
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
  }

  /**
   * Makes the data visible at the target, replacing any file there; after a failed write, deletes
   * it instead and throws. Does nothing if already closed or aborted.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (failed) {
      discard(null);
      throw new IOException("not writing " + target + ": an earlier write to it failed");
    }
    try {
      out.flush();
      channel.force(false); // the data must be on disk before the rename is
      out.close();
      channel.close();
      moveIntoPlace();
      syncFolder(target.getParent());
    } catch (IOException | RuntimeException | Error e) {
      discard(e);
      throw e;
    }
  }

  /** Discards what was written; the target is left as it was. Does nothing if already closed. */
  public void abort() {
    if (closed) {
      return;
    }
    closed = true;
    discard(null);
  }

  private void moveIntoPlace() throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      // Same folder, so this is rare (some network file systems); a plain replace is the best left.
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Makes the rename durable: without it a crash can lose a name whose data is on disk. */
  static void syncFolder(Path folder) throws IOException {
    try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      if (!System.getProperty("os.name", "").startsWith("Windows")) {
        throw e;
      } // Windows cannot open folders as channels; NTFS journals renames itself
    }
  }

  private void discard(Throwable primary) {
    try {
      out.close();
    } catch (IOException | RuntimeException e) {
      addSuppressed(primary, e);
    }
    try {
      channel.close();
    } catch (IOException e) {
      addSuppressed(primary, e);
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      addSuppressed(primary, e);
    }
  }

  private static void addSuppressed(Throwable primary, Exception e) {
    if (primary != null && primary != e) {
      primary.addSuppressed(e);
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("stream to " + target + " is closed");
    }
  }
}
