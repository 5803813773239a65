package dev.skiff.testing.kubernetes;

import dev.skiff.testing.containers.JreBaseImage;
import dev.skiff.testing.containers.Podman;
import dev.skiff.testing.postgres.PostgresServer;
import dev.skiff.testing.registry.RegistryProcess;
import dev.skiff.testing.s3.S3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The test cluster as a program, to try the whole Kubernetes path from the {@code skiff} CLI with
 * no cluster and no internet: an API server front, a kubelet that runs pods as real containers
 * (podman), a registry process, and the remote stores pods need: an S3-compatible server (s3proxy,
 * bucket {@code skiff}) and PostgreSQL from embedded binaries. {@code LocalCluster --dir DIR}
 * writes {@code DIR/kubeconfig} (current context {@code local}, namespace {@code skiff} created),
 * {@code DIR/registry} ({@code host:port}), {@code DIR/base-image} (a JRE base image made from this
 * JDK with jlink, pushed to the registry), {@code DIR/metadata-url} (a JDBC URL with its password),
 * {@code DIR/s3-endpoint}, {@code DIR/s3-access-key-id} and {@code DIR/s3-secret-access-key},
 * prints {@code ready}, and runs until stopped (Ctrl-C). For trying and testing Skiff, not for
 * running production pipelines.
 */
public final class LocalCluster implements AutoCloseable {
  private final RegistryProcess registry;
  private final FakeCluster cluster;
  private final S3Server s3;
  private final PostgresServer postgres;

  private LocalCluster(
      RegistryProcess registry, FakeCluster cluster, S3Server s3, PostgresServer postgres) {
    this.registry = registry;
    this.cluster = cluster;
    this.s3 = s3;
    this.postgres = postgres;
  }

  /** Starts everything and writes the three files into {@code dir}. */
  public static LocalCluster start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    String unavailable = Podman.unavailableReason();
    if (unavailable != null) {
      throw new IllegalStateException(
          "podman cannot run containers here: " + unavailable + " (" + Podman.INSTALL_HINT + ")");
    }
    RegistryProcess registry =
        RegistryProcess.start(Files.createDirectories(dir.resolve("registry-data")), false);
    FakeCluster cluster = null;
    S3Server s3 = null;
    PostgresServer postgres = null;
    try {
      cluster = FakeCluster.builder().containers(Podman.shared()).start();
      s3 = S3Server.start(Files.createDirectories(dir.resolve("s3-data")));
      s3.createBucket("skiff");
      postgres = PostgresServer.start(java.util.Map.of());
      String base = JreBaseImage.hostJdk().push(registry).digestReference();
      cluster.writeKubeconfig(dir.resolve("kubeconfig"), "local");
      Files.writeString(dir.resolve("registry"), registry.hostPort() + "\n");
      Files.writeString(dir.resolve("base-image"), base + "\n");
      Files.writeString(
          dir.resolve("metadata-url"),
          postgres.newDatabase() + "&password=" + postgres.password() + "\n");
      Files.writeString(dir.resolve("s3-endpoint"), s3.endpoint() + "\n");
      Files.writeString(dir.resolve("s3-access-key-id"), s3.accessKey() + "\n");
      Files.writeString(dir.resolve("s3-secret-access-key"), s3.secretKey() + "\n");
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (cluster != null) {
        cluster.close();
      }
      if (s3 != null) {
        s3.close();
      }
      if (postgres != null) {
        postgres.close();
      }
      closeQuietly(registry);
      throw e;
    }
    return new LocalCluster(registry, cluster, s3, postgres);
  }

  public FakeCluster cluster() {
    return cluster;
  }

  @Override
  public void close() {
    cluster.close();
    s3.close();
    postgres.close();
    closeQuietly(registry);
  }

  private static void closeQuietly(RegistryProcess registry) {
    try {
      registry.close();
    } catch (Exception e) {
      Thread.currentThread().interrupt();
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !args[0].equals("--dir")) {
      System.err.println(
          "usage: LocalCluster --dir DIR   (writes DIR/kubeconfig, DIR/registry, DIR/base-image; runs until Ctrl-C)");
      System.exit(2);
    }
    Path dir = Path.of(args[1]).toAbsolutePath();
    LocalCluster local;
    try {
      local = start(dir);
    } catch (IllegalStateException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  local.close();
                  stopped.countDown();
                },
                "local-cluster-stop"));
    System.out.println("Local test cluster ready (not for production):");
    System.out.println(
        "  KUBECONFIG=" + dir.resolve("kubeconfig") + "  (context local, namespace skiff)");
    System.out.println("  registry    " + Files.readString(dir.resolve("registry")).trim());
    System.out.println("  base image  " + Files.readString(dir.resolve("base-image")).trim());
    System.out.println(
        "  S3          " + Files.readString(dir.resolve("s3-endpoint")).trim() + " (bucket skiff)");
    System.out.println(
        "  PostgreSQL  "
            + dev.skiff.core.spi.Backends.redact(
                Files.readString(dir.resolve("metadata-url")).trim()));
    System.out.println("ready");
    System.out.flush();
    stopped.await();
  }
}
