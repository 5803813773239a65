package dev.skiff.bench;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import dev.skiff.images.BuiltImage;
import dev.skiff.images.ContainerRegistryConfig;
import dev.skiff.images.ImageBuilder;
import dev.skiff.images.ImageSpec;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Image build and push with Jib to a real registry on localhost (Debian {@code docker-registry}): a
 * full build into an empty repository with an empty cache, against a rebuild after one class
 * changed. The project is this benchmark's own class path (released and SNAPSHOT jars) plus 300
 * class files; the base image is 40 MB made here from scratch (no network).
 *
 * <p>Run: {@code ./mvnw -q -pl bench -am package -DskipTests && java -cp
 * "bench/target/skiff-bench.jar:bench/target/lib/*" dev.skiff.bench.ImageBuildBench}
 */
public final class ImageBuildBench {
  private static final int ROUNDS = 5;

  private ImageBuildBench() {}

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("skiff-image-bench");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process registry = startRegistry(work, port);
    try {
      String hostPort = "127.0.0.1:" + port;
      String base = pushBaseImage(work, hostPort);
      List<Path> released = new ArrayList<>();
      List<Path> snapshots = new ArrayList<>();
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        Path p = Path.of(entry);
        if (Files.isRegularFile(p) && entry.endsWith(".jar")) {
          (entry.contains("SNAPSHOT") || p.getFileName().toString().startsWith("skiff-")
                  ? snapshots
                  : released)
              .add(p);
        }
      }
      Path classes = Files.createDirectories(work.resolve("classes/dev/example"));
      Random random = new Random(42);
      for (int i = 0; i < 300; i++) {
        Files.write(
            classes.resolve("Step" + i + ".class"),
            randomBytes(random, 2_000 + random.nextInt(6_000)));
      }
      ImageSpec spec =
          ImageSpec.newBuilder()
              .baseImage(base)
              .releasedJars(released)
              .snapshotJars(snapshots)
              .classDirs(List.of(work.resolve("classes")))
              .jvmFlags(List.of("-Xmx1g"))
              .build();
      long jarBytes = 0;
      for (Path p : released) {
        jarBytes += Files.size(p);
      }
      for (Path p : snapshots) {
        jarBytes += Files.size(p);
      }
      System.out.printf(
          "project: %d released jars, %d snapshot jars (%.1f MB), 300 classes; base image 40 MB%n",
          released.size(), snapshots.size(), jarBytes / 1e6);

      double[] full = new double[ROUNDS];
      double[] incremental = new double[ROUNDS];
      double[] unchanged = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        ImageBuilder builder =
            ImageBuilder.newBuilder(ContainerRegistryConfig.of(hostPort + "/round" + r, true))
                .cacheDirectory(work.resolve("cache/round" + r))
                .build();
        long t0 = System.nanoTime();
        BuiltImage first = builder.buildAndPush("bench", spec);
        full[r] = ms(t0);
        Files.write(classes.resolve("Step7.class"), randomBytes(random, 4_000));
        long t1 = System.nanoTime();
        BuiltImage second = builder.buildAndPush("bench", spec);
        incremental[r] = ms(t1);
        long t2 = System.nanoTime();
        BuiltImage third = builder.buildAndPush("bench", spec);
        unchanged[r] = ms(t2);
        if (second.pushedBlobs().size() != 2
            || third.pushed()
            || !third.digest().equals(second.digest())) {
          throw new IllegalStateException(
              "unexpected pushes: " + first + " / " + second + " / " + third);
        }
      }
      System.out.printf(
          "full build + push (empty cache and repository): median %.0f ms, min %.0f ms%n",
          median(full), min(full));
      System.out.printf(
          "rebuild after a one-class change:                median %.0f ms, min %.0f ms (pushes classes layer + config)%n",
          median(incremental), min(incremental));
      System.out.printf(
          "rebuild, nothing changed:                        median %.0f ms, min %.0f ms (no push)%n",
          median(unchanged), min(unchanged));
      System.out.printf(
          "ratio incremental / full:                        %.2f%n",
          median(incremental) / median(full));
    } finally {
      registry.destroy();
      registry.waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static Process startRegistry(Path work, int port)
      throws IOException, InterruptedException {
    Path config = work.resolve("registry.yml");
    Files.writeString(
        config,
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: "
            + work.resolve("registry")
            + "\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:"
            + port
            + "\n");
    Process p;
    try {
      p =
          new ProcessBuilder("docker-registry", "serve", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(work.resolve("registry.log").toFile())
              .start();
    } catch (IOException e) {
      throw new IOException(
          "cannot start docker-registry (apt-get install docker-registry): " + e.getMessage(), e);
    }
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < 300; i++) {
      try {
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
            HttpResponse.BodyHandlers.discarding());
        return p;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    p.destroy();
    throw new IOException(
        "docker-registry did not start: " + Files.readString(work.resolve("registry.log")));
  }

  private static String pushBaseImage(Path work, String hostPort) throws Exception {
    Path dir = Files.createDirectories(work.resolve("base"));
    Random random = new Random(1);
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      files.add(Files.write(dir.resolve("lib" + i + ".so"), randomBytes(random, 10_000_000)));
    }
    String ref = hostPort + "/base/jre:17";
    Jib.fromScratch()
        .addLayer(files, "/opt/java")
        .setFormat(ImageFormat.OCI)
        .containerize(
            Containerizer.to(RegistryImage.named(ref))
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(work.resolve("cache/base-build")));
    return ref;
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static double ms(long start) {
    return (System.nanoTime() - start) / 1e6;
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static double min(double[] xs) {
    return Arrays.stream(xs).min().orElse(Double.NaN);
  }
}
