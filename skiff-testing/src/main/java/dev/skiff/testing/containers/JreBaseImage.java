package dev.skiff.testing.containers;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import dev.skiff.testing.registry.RegistryProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A distroless-style JRE image made from the host JDK, without any registry but the one given:
 * {@code jlink} (with {@link #DEFAULT_MODULES}, {@code --strip-debug --no-header-files
 * --no-man-pages}) into {@code /opt/java}, the shared libraries {@code ldd} lists for {@code
 * bin/java}, {@code lib/server/libjvm.so} and {@code lib/*.so} copied into {@code
 * /lib/x86_64-linux-gnu/} (links followed) plus the dynamic loader, an {@code /etc/passwd} and
 * {@code /etc/group} with {@code root} and {@code nonroot} (uid/gid {@value #NONROOT_UID}), {@code
 * /home/nonroot} and an empty {@code /tmp}. One layer, packed by Jib from scratch (OCI format,
 * {@code PATH=/opt/java/bin:/usr/bin:/bin}, {@code JAVA_HOME=/opt/java}, user {@value #NONROOT_UID}
 * or root), no entrypoint.
 *
 * <p>The root filesystem and Jib's compressed layer are cached in {@code
 * ~/.cache/skiff-testing/jre-HASH/} (or under {@code $SKIFF_TESTING_CACHE}), keyed by the JDK's
 * {@code java.home}, its {@code release} file, the module list and the host's dynamic loader: the
 * first build takes about 10 s here, later ones only push (Jib skips blobs the registry has). The
 * same JDK gives the same digest every time.
 */
public final class JreBaseImage {
  public static final List<String> DEFAULT_MODULES =
      List.of(
          "java.base",
          "java.sql",
          "java.logging",
          "java.management",
          "java.naming",
          "java.net.http",
          "jdk.crypto.ec",
          "java.xml",
          "jdk.unsupported",
          "java.instrument",
          "jdk.zipfs",
          "java.desktop");
  public static final int NONROOT_UID = 65532;

  /** The repository {@link #push(RegistryProcess)} uses. */
  public static final String REPOSITORY = "base/jre";

  // Bump when the recipe below changes, so that caches of the old recipe are not reused.
  private static final String RECIPE_VERSION = "1";
  private static final String JAVA_DIR = "/opt/java";

  private final Path javaHome;
  private final List<String> modules;
  private final Path cacheDir;
  private final String javaVersion;
  private final String key;
  private boolean lastRootfsCached;
  private Duration lastRootfsTime = Duration.ZERO;

  /** The user the image runs as when a pod does not say. */
  public enum User {
    /** uid/gid {@value JreBaseImage#NONROOT_UID}, as distroless {@code :nonroot} images. */
    NONROOT("65532"),
    /** uid 0: for testing that a kubelet refuses it under {@code runAsNonRoot}. */
    ROOT("0");

    private final String uid;

    User(String uid) {
      this.uid = uid;
    }

    public String uid() {
      return uid;
    }
  }

  /**
   * A pushed image.
   *
   * @param tagReference {@code HOST:PORT/REPO:TAG}
   * @param digestReference {@code HOST:PORT/REPO@sha256:...}, what {@link Podman#pull} wants
   * @param digest {@code sha256:...} of the manifest
   * @param rootfsFromCache whether the root filesystem came from the cache (else it was built)
   * @param rootfsTime the time to build (or find) the root filesystem
   * @param pushTime the time Jib took to pack and push
   */
  public record Pushed(
      String tagReference,
      String digestReference,
      String digest,
      User user,
      boolean rootfsFromCache,
      Duration rootfsTime,
      Duration pushTime) {}

  private JreBaseImage(Path javaHome, List<String> modules, Path cacheDir) throws IOException {
    this.javaHome = javaHome.toAbsolutePath().normalize();
    this.modules = List.copyOf(modules);
    this.cacheDir = cacheDir.toAbsolutePath();
    Path release = this.javaHome.resolve("release");
    String releaseText = Files.exists(release) ? Files.readString(release) : "";
    this.javaVersion =
        releaseValue(releaseText, "JAVA_VERSION", System.getProperty("java.version"));
    this.key =
        sha256(
                String.join(
                    "\n",
                    RECIPE_VERSION,
                    this.javaHome.toString(),
                    releaseText,
                    String.join(",", this.modules),
                    loaderFingerprint()))
            .substring(0, 16);
  }

  /** From the JDK running this JVM, with {@link #DEFAULT_MODULES}, cached in the default folder. */
  public static JreBaseImage hostJdk() {
    return of(Path.of(System.getProperty("java.home")), DEFAULT_MODULES, Podman.TestCache.dir());
  }

  /**
   * @param javaHome a JDK (with {@code bin/jlink} and {@code jmods})
   * @param modules the modules of the runtime
   * @param cacheDir where {@code jre-HASH/} folders are kept
   */
  public static JreBaseImage of(Path javaHome, List<String> modules, Path cacheDir) {
    if (modules.isEmpty()) {
      throw new IllegalArgumentException("modules must not be empty");
    }
    try {
      return new JreBaseImage(javaHome, modules, cacheDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code JAVA_VERSION} of the JDK's {@code release} file, e.g. {@code 17.0.15}. */
  public String javaVersion() {
    return javaVersion;
  }

  /** The feature version, e.g. {@code 17}: the tag {@link #push(RegistryProcess)} uses. */
  public String featureVersion() {
    int dot = javaVersion.indexOf('.');
    return dot < 0 ? javaVersion : javaVersion.substring(0, dot);
  }

  /** The cache folder of this JDK and module list: {@code jre-HASH}. */
  public Path cacheFolder() {
    return cacheDir.resolve("jre-" + key);
  }

  /** The root filesystem, built on first use (5-15 s) and then taken from the cache. */
  public synchronized Path rootfs() throws IOException, InterruptedException {
    long start = System.nanoTime();
    Path folder = cacheFolder();
    Path rootfs = folder.resolve("rootfs");
    lastRootfsCached = Files.isDirectory(rootfs);
    if (!lastRootfsCached) {
      Files.createDirectories(cacheDir);
      Path tmp = Files.createTempDirectory(cacheDir, "jre-" + key + ".tmp-");
      try {
        buildRootfs(tmp.resolve("rootfs"));
        try {
          Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          if (!Files.isDirectory(rootfs)) {
            throw e;
          }
          // another JVM built the same one first: keep it
        }
      } finally {
        Podman.deleteTree(tmp);
      }
    }
    lastRootfsTime = Duration.ofNanos(System.nanoTime() - start);
    return rootfs;
  }

  /** Pushes {@code HOST:PORT/base/jre:FEATURE} running as {@code nonroot}. */
  public Pushed push(RegistryProcess registry) throws IOException, InterruptedException {
    return push(registry, User.NONROOT);
  }

  /** Pushes {@code base/jre:FEATURE} ({@code nonroot}) or {@code base/jre:FEATURE-root}. */
  public Pushed push(RegistryProcess registry, User user) throws IOException, InterruptedException {
    return push(
        registry.hostPort(),
        REPOSITORY,
        featureVersion() + (user == User.ROOT ? "-root" : ""),
        user);
  }

  /**
   * Builds (or takes from the cache) and pushes the image over plain HTTP.
   *
   * @param registryHostPort e.g. {@code 127.0.0.1:5000}
   */
  public synchronized Pushed push(String registryHostPort, String repository, String tag, User user)
      throws IOException, InterruptedException {
    Objects.requireNonNull(user, "user");
    Path rootfs = rootfs();
    boolean cached = lastRootfsCached;
    Duration rootfsTime = lastRootfsTime;
    long start = System.nanoTime();
    String target = registryHostPort + "/" + repository + ":" + tag;
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", JAVA_DIR + "/bin:/usr/bin:/bin");
    env.put("JAVA_HOME", JAVA_DIR);
    try {
      JibContainer pushed =
          Jib.fromScratch()
              .setFileEntriesLayers(layer(rootfs))
              .setEnvironment(env)
              .setUser(user.uid())
              .setFormat(ImageFormat.OCI)
              .setPlatforms(Set.of(new Platform(jibArchitecture(), "linux")))
              .containerize(
                  Containerizer.to(RegistryImage.named(target))
                      .setAllowInsecureRegistries(true)
                      .setToolName("skiff-testing")
                      .setApplicationLayersCache(cacheFolder().resolve("jib-cache"))
                      .setBaseImageLayersCache(cacheFolder().resolve("jib-base-cache")));
      String digest = pushed.getDigest().toString();
      return new Pushed(
          target,
          registryHostPort + "/" + repository + "@" + digest,
          digest,
          user,
          cached,
          rootfsTime,
          Duration.ofNanos(System.nanoTime() - start));
    } catch (InvalidImageReferenceException e) {
      throw new IllegalArgumentException("bad image reference " + target, e);
    } catch (RegistryException | CacheDirectoryCreationException | ExecutionException e) {
      throw new IOException("pushing " + target + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "JreBaseImage{"
        + javaHome
        + " "
        + javaVersion
        + ", "
        + modules.size()
        + " modules, "
        + cacheFolder()
        + "}";
  }

  private void buildRootfs(Path rootfs) throws IOException, InterruptedException {
    Path jlink = javaHome.resolve("bin/jlink");
    if (!Files.isExecutable(jlink)) {
      throw new IOException("no jlink in " + javaHome + " (a JRE, not a JDK?)");
    }
    Path java = rootfs.resolve(JAVA_DIR.substring(1));
    Files.createDirectories(java.getParent());
    run(
        List.of(
            jlink.toString(),
            "--add-modules",
            String.join(",", modules),
            "--strip-debug",
            "--no-header-files",
            "--no-man-pages",
            "--output",
            java.toString()));
    materializeLinks(java);

    List<String> ldd =
        new ArrayList<>(
            List.of(
                "ldd",
                java.resolve("bin/java").toString(),
                java.resolve("lib/server/libjvm.so").toString()));
    try (Stream<Path> libs = Files.list(java.resolve("lib"))) {
      libs.filter(p -> p.getFileName().toString().endsWith(".so"))
          .sorted()
          .forEach(p -> ldd.add(p.toString()));
    }
    Set<String> loaders = new LinkedHashSet<>();
    Map<String, Path> libraries = new LinkedHashMap<>();
    for (String line : run(ldd).lines().toList()) {
      String l = line.strip();
      int arrow = l.indexOf(" => ");
      if (arrow > 0) {
        String soname = l.substring(0, arrow);
        String rest = l.substring(arrow + 4);
        int paren = rest.indexOf(" (");
        String path = (paren < 0 ? rest : rest.substring(0, paren)).strip();
        // the JDK's own libraries are in the image already; "not found" is libjvm, found by rpath
        if (path.startsWith("/") && !Path.of(path).startsWith(rootfs)) {
          libraries.putIfAbsent(soname, Path.of(path));
        }
      } else if (l.startsWith("/") && l.contains(" (")) {
        loaders.add(l.substring(0, l.indexOf(" (")));
      }
    }
    Path libc = libraries.get("libc.so.6");
    if (libc == null || loaders.isEmpty()) {
      throw new IOException(
          "ldd listed no libc or dynamic loader for "
              + java
              + ": "
              + libraries.keySet()
              + " "
              + loaders);
    }
    Path libDir =
        rootfs
            .resolve("lib")
            .resolve(libc.getParent().getFileName().toString()); // x86_64-linux-gnu
    Files.createDirectories(libDir);
    for (Map.Entry<String, Path> lib : libraries.entrySet()) {
      Files.copy(
          lib.getValue(),
          libDir.resolve(lib.getKey()),
          StandardCopyOption.REPLACE_EXISTING); // follows links
    }
    for (String loader : loaders) {
      Path target = rootfs.resolve(loader.substring(1));
      Files.createDirectories(target.getParent());
      Files.copy(Path.of(loader), target, StandardCopyOption.REPLACE_EXISTING);
    }

    Path etc = Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(
        etc.resolve("passwd"),
        "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n");
    Files.writeString(etc.resolve("group"), "root:x:0:\nnonroot:x:65532:\n");
    Files.writeString(
        etc.resolve("nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files dns\n");
    Files.createDirectories(rootfs.resolve("home/nonroot"));
    Files.createDirectories(rootfs.resolve("root"));
    Files.setPosixFilePermissions(
        Files.createDirectories(rootfs.resolve("tmp")),
        PosixFilePermissions.fromString("rwxrwxrwx"));
  }

  /** One layer of every file and folder, owned by root (the home by nonroot), at a fixed time. */
  private static FileEntriesLayer layer(Path rootfs) throws IOException {
    FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("jre");
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(rootfs)) {
      paths = walk.filter(p -> !p.equals(rootfs)).sorted().toList();
    }
    for (Path p : paths) {
      String inImage = "/" + rootfs.relativize(p).toString().replace('\\', '/');
      FilePermissions perms =
          FilePermissions.fromPosixFilePermissions(
              Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
      String owner = inImage.equals("/home/nonroot") ? NONROOT_UID + ":" + NONROOT_UID : "0:0";
      layer.addEntry(
          new FileEntry(
              p,
              AbsoluteUnixPath.get(inImage),
              perms,
              FileEntriesLayer.DEFAULT_MODIFICATION_TIME,
              owner));
    }
    return layer.build();
  }

  /** jlink links {@code legal/*} files to {@code java.base}'s; Jib would not keep links. */
  private static void materializeLinks(Path dir) throws IOException {
    List<Path> links;
    try (Stream<Path> walk = Files.walk(dir)) {
      links = walk.filter(Files::isSymbolicLink).toList();
    }
    for (Path link : links) {
      Path target = link.toRealPath();
      Files.delete(link);
      Files.copy(target, link);
    }
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException(command.get(0) + " did not end within 5 minutes");
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
    }
    return out;
  }

  private static String loaderFingerprint() {
    for (String loader : List.of("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1")) {
      try {
        Path real = Path.of(loader).toRealPath();
        return real + " " + Files.size(real) + " " + Files.getLastModifiedTime(real).toMillis();
      } catch (IOException e) {
        // not this architecture
      }
    }
    return "";
  }

  private static String jibArchitecture() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "amd64";
  }

  private static String releaseValue(String release, String name, String fallback) {
    for (String line : release.lines().toList()) {
      if (line.startsWith(name + "=")) {
        return line.substring(name.length() + 1).replace("\"", "").strip();
      }
    }
    return fallback;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
