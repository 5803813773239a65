package dev.skiff.testing.containers;

import dev.skiff.testing.registry.RegistryProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * One registry process, JRE base image (pushed as nonroot and root) and pull per test JVM, shared
 * by the test classes of this package; the registry stops and its folder goes at JVM exit.
 */
final class Fixture {
  private static Fixture instance;

  final RegistryProcess registry;
  final JreBaseImage jre;
  final JreBaseImage.Pushed nonroot;
  final JreBaseImage.Pushed root;
  final String nonrootId;
  final String rootId;
  final Duration pullTime;

  /** A read-only folder with {@code Probe.class}, for {@code -cp /probe}. */
  final Path probeDir;

  private Fixture(
      RegistryProcess registry,
      JreBaseImage jre,
      JreBaseImage.Pushed nonroot,
      JreBaseImage.Pushed root,
      String nonrootId,
      String rootId,
      Duration pullTime,
      Path probeDir) {
    this.registry = registry;
    this.jre = jre;
    this.nonroot = nonroot;
    this.root = root;
    this.nonrootId = nonrootId;
    this.rootId = rootId;
    this.pullTime = pullTime;
    this.probeDir = probeDir;
  }

  static synchronized Fixture get() throws Exception {
    Podman.assumeAvailable();
    if (instance == null) {
      Path registryDir = Files.createTempDirectory("skiff-containers-registry-");
      RegistryProcess registry = RegistryProcess.start(registryDir, false);
      Path probeDir = probeFolder();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      registry.close();
                      Podman.deleteTree(registryDir);
                      Podman.deleteTree(probeDir);
                    } catch (Exception e) {
                      // best effort at exit
                    }
                  },
                  "containers-fixture-stop"));
      JreBaseImage jre = JreBaseImage.hostJdk();
      JreBaseImage.Pushed nonroot = jre.push(registry);
      JreBaseImage.Pushed root = jre.push(registry, JreBaseImage.User.ROOT);
      System.out.printf(
          "[containers] JRE base image %s: rootfs %s in %d ms, pack+push %d ms; root variant push %d ms%n",
          nonroot.digestReference(),
          nonroot.rootfsFromCache() ? "from cache" : "built",
          nonroot.rootfsTime().toMillis(),
          nonroot.pushTime().toMillis(),
          root.pushTime().toMillis());
      long start = System.nanoTime();
      String nonrootId = Podman.shared().pull(nonroot.digestReference());
      Duration pullTime = Duration.ofNanos(System.nanoTime() - start);
      String rootId = Podman.shared().pull(root.digestReference());
      System.out.printf(
          "[containers] podman pull by digest (shared storage): %d ms%n", pullTime.toMillis());
      instance = new Fixture(registry, jre, nonroot, root, nonrootId, rootId, pullTime, probeDir);
    }
    return instance;
  }

  /** A container running {@link Probe} with {@code ops}, hardened as a restricted pod would be. */
  ContainerSpec.Builder probe(String... ops) {
    return probeIn(nonrootId, ops).user("65532:65532");
  }

  ContainerSpec.Builder probeIn(String image, String... ops) {
    return ContainerSpec.newBuilder(image)
        .command(List.of("java", "-cp", "/probe", Probe.class.getName()))
        .args(ops)
        .readOnlyRootFilesystem(true)
        .tmpfs("/tmp")
        .bind(probeDir, "/probe", true)
        .capDrop("ALL")
        .noNewPrivileges(true);
  }

  private static Path probeFolder() throws IOException {
    Path dir = Files.createTempDirectory("skiff-probe-");
    Path pkg = dir.resolve(Probe.class.getPackageName().replace('.', '/'));
    Files.createDirectories(pkg);
    try (InputStream in = Probe.class.getResourceAsStream("Probe.class")) {
      Files.copy(in, pkg.resolve("Probe.class"));
    }
    // readable by uid 65532 in the container: temp folders are 0700
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        Files.setPosixFilePermissions(
            p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    return dir;
  }
}
