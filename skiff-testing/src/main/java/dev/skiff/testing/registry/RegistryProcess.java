package dev.skiff.testing.registry;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real OCI registry (Debian's {@code docker-registry}, i.e. distribution 2.8) run as a process on
 * 127.0.0.1 and a free port, storing into a temporary folder. When the binary is missing the test
 * is skipped, or fails on CI ({@code CI=true}).
 */
public final class RegistryProcess implements AutoCloseable {
  public static final String BINARY = "docker-registry";
  public static final String INSTALL_HINT = "apt-get install docker-registry";

  private final Process process;
  private final int port;
  private final Path log;

  private RegistryProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts a registry storing under {@code dir}. With {@code htpasswd}, it requires basic auth and
   * creates that file with user {@code docker} and a random password.
   */
  public static RegistryProcess start(Path dir, boolean htpasswd)
      throws IOException, InterruptedException {
    Path binary = findBinary();
    if (binary == null) {
      String reason = BINARY + " not found on PATH: " + INSTALL_HINT;
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason);
      }
      Assumptions.abort(reason);
    }
    int port = freePort();
    Path config = dir.resolve("config.yml");
    Files.createDirectories(dir.resolve("data"));
    String yaml =
        "version: 0.1\n"
            + "log:\n  level: warn\n"
            + "storage:\n  filesystem:\n    rootdirectory: "
            + dir.resolve("data")
            + "\n  delete:\n    enabled: true\n"
            + "http:\n  addr: 127.0.0.1:"
            + port
            + "\n";
    if (htpasswd) {
      yaml +=
          "auth:\n  htpasswd:\n    realm: skiff-test\n    path: " + dir.resolve("htpasswd") + "\n";
    }
    Files.writeString(config, yaml);
    Path log = dir.resolve("registry.log");
    Process p =
        new ProcessBuilder(binary.toString(), "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    RegistryProcess registry = new RegistryProcess(p, port, log);
    registry.awaitReady();
    return registry;
  }

  /** {@code 127.0.0.1:PORT} */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "docker-registry exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        http.send(
            HttpRequest.newBuilder(URI.create("http://" + hostPort() + "/v2/")).build(),
            HttpResponse.BodyHandlers.discarding());
        return; // 200, or 401 with auth: it is serving
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    close();
    throw new IllegalStateException(
        "docker-registry did not start within 15 s: " + Files.readString(log));
  }

  private static Path findBinary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, BINARY);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
