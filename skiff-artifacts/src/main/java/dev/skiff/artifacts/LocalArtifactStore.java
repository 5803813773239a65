package dev.skiff.artifacts;

import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.ArtifactStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An {@link ArtifactStore} in a folder on this machine. A blob's path, '/'-separated and relative,
 * is its file's path under the root folder.
 *
 * <p>{@link #create} writes to a temporary file in the hidden {@value #TEMP_DIR} folder of the root
 * and renames it into place when the stream is closed (see {@link AtomicFileOutputStream}). A
 * temporary file is named after its writer (host and process id): opening the store deletes those
 * whose writer on this host is gone, and any older than a day. Files are owner-only (0600) and
 * folders 0700, whatever the umask. {@link #append} writes each call's bytes in one piece, so lines
 * appended by several threads, or processes, never interleave. Paths that could leave the root
 * ({@code ..}, absolute paths, backslashes, empty segments) are rejected with {@link
 * IllegalArgumentException}. Symbolic links inside the root are followed and not checked.
 */
public final class LocalArtifactStore implements ArtifactStore {
  /** Prefix of the temporary files {@link #create} writes; they are never valid blobs. */
  static final String TEMP_PREFIX = ".skiff-tmp-";

  /**
   * Folder under the root holding temporary files: on the same file system, so renames are atomic.
   */
  static final String TEMP_DIR = ".skiff-tmp";

  static final Duration ABANDONED_AFTER = Duration.ofDays(1);
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      EnumSet.of(
          PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE);
  private static final String WRITER = host() + "-" + ProcessHandle.current().pid() + "-";

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
  private final Path temps;
  private final boolean mountedInPods;
  private volatile boolean tempsReady;

  /** A store in {@code root}, which is created if missing. */
  public LocalArtifactStore(Path root) throws IOException {
    this(root, false);
  }

  /**
   * A store in {@code root}, created if missing; {@code mountedInPods} declares that pods mount the
   * same folder at the same path (e.g. an NFS volume), so remote orchestrators may use it.
   */
  public LocalArtifactStore(Path root, boolean mountedInPods) throws IOException {
    Path absolute = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    createFolders(absolute);
    this.root = absolute.toRealPath();
    this.temps = this.root.resolve(TEMP_DIR);
    this.mountedInPods = mountedInPods;
    removeAbandonedTemps();
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
    createFolders(file.getParent());
    if (!tempsReady) {
      createFolders(temps);
      tempsReady = true;
    }
    return new AtomicFileOutputStream(
        file, temps.resolve(TEMP_PREFIX + WRITER + UUID.randomUUID()));
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
    createFolders(file.getParent());
    synchronized (APPEND_LOCKS[Math.floorMod(file.hashCode(), APPEND_LOCKS.length)]) {
      try (FileChannel channel =
          FileChannel.open(
              file,
              EnumSet.of(
                  StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
              ownerOnlyFile())) {
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

  /** Blob paths under {@code prefix}, sorted; temporary files are not blobs. */
  @Override
  public List<String> list(String prefix) throws IOException {
    Objects.requireNonNull(prefix, "prefix");
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? root : resolve(prefix.substring(0, slash));
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(start)) {
      files
          .filter(Files::isRegularFile)
          .map(f -> root.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/"))
          .filter(p -> p.startsWith(prefix) && !p.startsWith(TEMP_DIR + "/"))
          .forEach(found::add);
    }
    found.sort(null);
    return found;
  }

  /** The folder must exist and be writable. */
  @Override
  public void check() {
    if (!Files.isDirectory(root) || !Files.isWritable(root)) {
      throw new ArtifactStoreException(
          "the artifact store folder "
              + root
              + " is not a writable folder: fix its permissions or register the store with another --path");
    }
  }

  /** True unless the store was declared mounted in pods. */
  @Override
  public boolean onlyOnThisMachine() {
    return !mountedInPods;
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
    if (path.equals(TEMP_DIR) || path.startsWith(TEMP_DIR + "/")) {
      throw new IllegalArgumentException(
          "artifact path uses the store's own folder " + TEMP_DIR + ": " + path);
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

  /** Deletes temporary files whose writer died on this host, or that are older than a day. */
  private void removeAbandonedTemps() {
    if (!Files.isDirectory(temps)) {
      return;
    }
    Instant cutoff = Instant.now().minus(ABANDONED_AFTER);
    String thisHost = TEMP_PREFIX + host() + "-";
    try (Stream<Path> files = Files.list(temps)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        boolean writerGone = name.startsWith(thisHost) && !alive(name.substring(thisHost.length()));
        FileTime modified = Files.getLastModifiedTime(f);
        if (writerGone || modified.toInstant().isBefore(cutoff)) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      // best effort: a leftover temporary file is invisible to readers
    }
  }

  /** Whether the process named at the start of {@code pidAndRest} ("123-uuid") is running. */
  private static boolean alive(String pidAndRest) {
    int dash = pidAndRest.indexOf('-');
    try {
      long pid = Long.parseLong(dash < 0 ? pidAndRest : pidAndRest.substring(0, dash));
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return true; // not named by us: leave it to the age rule
    }
  }

  /** This machine's name without a DNS lookup (pods: the pod name); only [A-Za-z0-9.] kept. */
  private static String host() {
    String name = System.getenv("HOSTNAME");
    if (name == null || name.isBlank()) {
      try {
        name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      } catch (IOException | RuntimeException e) {
        name = "host";
      }
    }
    return name.replaceAll("[^A-Za-z0-9.]", "");
  }

  /**
   * Creates missing folders owner-only (0700), whatever the umask; existing ones are left alone.
   */
  private static void createFolders(Path folder) throws IOException {
    if (Files.isDirectory(folder)) {
      return;
    }
    Path parent = folder.getParent();
    if (parent != null) {
      createFolders(parent);
    }
    try {
      if (isPosix(folder)) {
        // a umask can only take bits away from 0700: the folder is owner-only whatever it is
        Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
      } else {
        Files.createDirectory(folder);
      }
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(folder)) {
        throw e;
      } // created by another writer at the same time
    }
  }

  /** 0600 for a file this call creates (a umask only takes bits away); nothing elsewhere. */
  private java.nio.file.attribute.FileAttribute<?>[] ownerOnlyFile() {
    return isPosix(root)
        ? new java.nio.file.attribute.FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(AtomicFileOutputStream.OWNER_ONLY)
        }
        : new java.nio.file.attribute.FileAttribute<?>[0];
  }

  private static boolean isPosix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
