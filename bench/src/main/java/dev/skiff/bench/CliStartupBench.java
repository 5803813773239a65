package dev.skiff.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Wall time of the {@code skiff} command (the checkout's {@code skiff} script) against a bare JVM
 * with the same class path, each a fresh process as a user starts it (median of rounds after
 * warm-up runs that fill the page cache): {@code skiff --version}, {@code skiff runs list} on an
 * SQLite home with a few runs, and {@code java -cp SAME Noop}. Run from the project root after
 * {@code ./mvnw -q package -DskipTests}: {@code java -cp
 * "bench/target/skiff-bench.jar:bench/target/lib/*" dev.skiff.bench.CliStartupBench}.
 */
public final class CliStartupBench {
  private static final int WARM_UP = 3;
  private static final int ROUNDS = 11;

  private CliStartupBench() {}

  /** The bare JVM: loads nothing of Skiff. */
  public static final class Noop {
    public static void main(String[] args) {}
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of("").toAbsolutePath();
    String cli =
        root.resolve("skiff-cli/target/skiff-cli.jar")
            + ":"
            + root.resolve("skiff-cli/target/lib")
            + "/*";
    String withBench = cli + ":" + root.resolve("bench/target/skiff-bench.jar");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path home = Files.createTempDirectory("skiff-cli-bench");
    // as users start it: the checkout's skiff script (JVM flags, class-data-sharing archive)
    List<String> skiff = List.of(root.resolve("skiff").toString());
    run(concat(skiff, "init", home.toString()), home);
    double bare = median(List.of(java, "-cp", withBench, Noop.class.getName()), home);
    double version = median(concat(skiff, "--version"), home);
    double list = median(concat(skiff, "runs", "list", "--project", home.toString()), home);
    System.out.printf("bare JVM, same class path:   %6.0f ms%n", bare);
    System.out.printf(
        "skiff --version:             %6.0f ms  (%.1fx the bare JVM)%n", version, version / bare);
    System.out.printf(
        "skiff runs list (SQLite):    %6.0f ms  (%.1fx the bare JVM; goal <= 2.7x)%n",
        list, list / bare);
  }

  private static List<String> concat(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all;
  }

  private static double median(List<String> command, Path dir)
      throws IOException, InterruptedException {
    for (int i = 0; i < WARM_UP; i++) {
      run(command, dir);
    }
    double[] ms = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      long start = System.nanoTime();
      run(command, dir);
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(ms);
    return ms[ROUNDS / 2];
  }

  private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("SKIFF_HOME", dir.toString());
    Process p = pb.start();
    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed");
    }
  }
}
