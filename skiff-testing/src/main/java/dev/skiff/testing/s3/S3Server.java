package dev.skiff.testing.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * An S3-compatible server in this JVM: s3proxy on 127.0.0.1 and a free port, keeping each bucket as
 * a folder of {@link #baseDir()} and each object as a file, so a test can read the bytes the server
 * really stored. Requests are signed with the fixed keys {@value #ACCESS_KEY} / {@value
 * #SECRET_KEY} (AWS signature v2 or v4, any region).
 *
 * <p>s3proxy and its dependencies are large (~60 MB): use this class in test scope only.
 *
 * <pre>{@code
 * S3Server s3 = S3Server.shared();
 * s3.createBucket("artifacts");
 * // endpoint s3.endpoint(), path-style requests, keys s3.accessKey() / s3.secretKey()
 * }</pre>
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "AKIASKIFFTEST";
  public static final String SECRET_KEY = "skiff-test-secret-key";

  private static S3Server shared;

  private final S3Proxy proxy;
  private final BlobStore blobs;
  private final Path baseDir;
  private final boolean ownsBaseDir;

  private S3Server(S3Proxy proxy, BlobStore blobs, Path baseDir, boolean ownsBaseDir) {
    this.proxy = proxy;
    this.blobs = blobs;
    this.baseDir = baseDir;
    this.ownsBaseDir = ownsBaseDir;
  }

  /**
   * One server for the whole JVM, started on first use and stopped (its folder deleted) when the
   * JVM exits. Tests sharing it should use buckets or prefixes of their own.
   */
  public static synchronized S3Server shared() {
    if (shared == null) {
      shared = start();
      S3Server server = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3-server-stop"));
    }
    return shared;
  }

  /** A new server in a new temporary folder, deleted by {@link #close()}. */
  public static S3Server start() {
    try {
      return start(Files.createTempDirectory("skiff-s3-"), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new server keeping its buckets in {@code baseDir} (created if missing; kept on close). */
  public static S3Server start(Path baseDir) {
    return start(baseDir, 0, false);
  }

  /** As {@link #start(Path)}, on {@code port} of 127.0.0.1 (0: a free port). */
  public static S3Server start(Path baseDir, int port) {
    return start(baseDir, port, false);
  }

  private static S3Server start(Path baseDir, boolean ownsBaseDir) {
    return start(baseDir, 0, ownsBaseDir);
  }

  private static S3Server start(Path baseDir, int port, boolean ownsBaseDir) {
    quietLogging();
    try {
      // the filesystem store refuses a base folder that does not exist
      Files.createDirectories(baseDir);
      Path dir = baseDir.toRealPath();
      BlobStore blobs = new FilesystemNio2BlobStore(dir.toString());
      S3Proxy proxy =
          S3Proxy.builder()
              .blobStore(blobs)
              .endpoint(URI.create("http://127.0.0.1:" + port))
              .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
              .build();
      proxy.start();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "s3proxy did not start within 10 s (state " + proxy.getState() + ")");
        }
        Thread.sleep(5);
      }
      return new S3Server(proxy, blobs, dir, ownsBaseDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting s3proxy", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start s3proxy: " + e.getMessage(), e);
    }
  }

  /** {@code http://127.0.0.1:PORT}; clients must use path-style requests. */
  public String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  public String accessKey() {
    return ACCESS_KEY;
  }

  public String secretKey() {
    return SECRET_KEY;
  }

  /** The folder holding one folder per bucket. */
  public Path baseDir() {
    return baseDir;
  }

  /** Creates the bucket if it does not exist yet; returns its name. */
  public String createBucket(String name) {
    Objects.requireNonNull(name, "name");
    if (!blobs.containerExists(name)) {
      blobs.createContainer(name);
    }
    return name;
  }

  /** The file in which the server keeps {@code key} of {@code bucket}: the bytes it stored. */
  public Path objectFile(String bucket, String key) {
    return baseDir.resolve(bucket).resolve(key);
  }

  /** Stops the server; a server of {@link #start()} also deletes its folder. */
  @Override
  public synchronized void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      // stopping is best effort: the port is freed with the JVM anyway
    }
    if (ownsBaseDir) {
      deleteTree(baseDir);
    }
  }

  @Override
  public String toString() {
    return "S3Server[" + endpoint() + ", " + baseDir + "]";
  }

  /**
   * s3proxy and its Jetty log every request at DEBUG/INFO, which makes tests ~10x slower: WARN
   * unless the caller configured them (slf4j-simple reads these properties per logger).
   */
  private static void quietLogging() {
    for (String logger : new String[] {"org.gaul", "org.eclipse.jetty", "software.amazon.awssdk"}) {
      System.getProperties().putIfAbsent("org.slf4j.simpleLogger.log." + logger, "warn");
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a temporary folder left behind is harmless
    }
  }

  /**
   * Runs a server until killed, to try the {@code s3} artifact store by hand. Arguments: {@code
   * [DIR [PORT [BUCKET...]]]}: the folder for the buckets (default: a temporary one), the port
   * (default: a free one) and buckets to create.
   */
  public static void main(String[] args) throws InterruptedException {
    Path dir = args.length > 0 ? Path.of(args[0]) : null;
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    S3Server server = dir == null ? start() : start(dir, port);
    for (int i = 2; i < args.length; i++) {
      server.createBucket(args[i]);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    System.out.println(
        "s3proxy at "
            + server.endpoint()
            + " (path-style; access key "
            + ACCESS_KEY
            + ", secret key "
            + SECRET_KEY
            + "), buckets in "
            + server.baseDir());
    Thread.currentThread().join();
  }
}
