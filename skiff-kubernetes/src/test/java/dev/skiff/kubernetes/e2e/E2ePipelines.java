package dev.skiff.kubernetes.e2e;

import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Pipelines the end-to-end tests run in pods (real containers): they coordinate through files in
 * {@link Dir#MOUNTED}, a folder of the test that their pods mount, so no timing decides a test.
 */
public final class E2ePipelines {
  private E2ePipelines() {}

  /** Where the steps of one test meet; a parameter, so part of the plan and the cache key. */
  public record Dir(String path) {
    /** Where pods mount the test's folder (a hostPath volume the test declares). */
    public static final Dir MOUNTED = new Dir("/e2e");

    Path resolve(String name) {
      return Path.of(path).resolve(name);
    }
  }

  public record Split(double[] train, double[] test) {}

  static void mark(Dir dir, String name) throws IOException {
    Files.writeString(dir.resolve(name), Instant.now().toString());
  }

  /** Waits until the file exists; false after the timeout. */
  static boolean await(Dir dir, String name, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!Files.exists(dir.resolve(name))) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** The digits shape: importer → (trainer ∥ skew) → evaluator; trainer and skew must overlap. */
  public static final class Shape implements PipelineDefinition {
    static Split importer(Dir dir) {
      System.out.println("loaded 4 rows");
      return new Split(new double[] {1, 2, 3}, new double[] {4});
    }

    /**
     * Marks itself started, then waits for the other parallel step: only overlap lets both pass.
     */
    static double meet(double[] data, Dir dir) throws Exception {
      String me = StepContext.current().stepName();
      String other = me.equals("trainer") ? "skew_comparison" : "trainer";
      mark(dir, me + ".started");
      if (!await(dir, other + ".started", Duration.ofSeconds(60))) {
        throw new IllegalStateException(other + " did not start while " + me + " ran");
      }
      System.out.println(me + " met " + other);
      return data.length;
    }

    static double evaluator(double model, double[] test) {
      double accuracy = model / (model + test.length);
      System.out.println("Test accuracy: " + accuracy);
      return accuracy;
    }

    @Override
    public String name() {
      return "shape";
    }

    @Override
    public void define(PipelineBuilder p) {
      Dir dir = Dir.MOUNTED;
      Out<Split> data = p.step("importer", Shape::importer, Param.of(dir));
      Out<Double> model = p.step("trainer", Shape::meet, data.get(Split::train), Param.of(dir));
      p.step("skew_comparison", Shape::meet, data.get(Split::test), Param.of(dir));
      p.step("evaluator", Shape::evaluator, model, data.get(Split::test));
    }
  }

  /** A step that fails on attempt 1 and succeeds on attempt 2, then one that always fails. */
  public static final class Flaky implements PipelineDefinition {
    static String flaky() {
      int attempt = StepContext.current().attempt();
      System.out.println("attempt " + attempt);
      if (attempt == 1) {
        throw new IllegalStateException("transient failure on attempt 1");
      }
      return "ok";
    }

    static String broken(String in) {
      throw new IllegalArgumentException("cannot handle " + in);
    }

    @Override
    public String name() {
      return "flaky";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<String> ok =
          p.step("flaky", Flaky::flaky)
              .configure(
                  s ->
                      s.retry(
                          dev.skiff.sdk.RetryPolicy.newBuilder()
                              .maxAttempts(2)
                              .initialBackoff(Duration.ofMillis(100))
                              .build()));
      p.step("broken", Flaky::broken, ok);
    }
  }

  /** One step, with GPU pod settings. */
  public static final class Single implements PipelineDefinition {
    static String work() {
      System.out.println("worked");
      return "done";
    }

    @Override
    public String name() {
      return "single";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("work", Single::work)
          .configure(
              s ->
                  s.setting(
                      "orchestrator.kubernetes",
                      java.util.Map.of(
                          "podSettings",
                          java.util.Map.of(
                              "nodeSelector", java.util.Map.of("pool", "gpu"),
                              "tolerations",
                                  java.util.List.of(
                                      java.util.Map.of(
                                          "key",
                                          "nvidia.com/gpu",
                                          "operator",
                                          "Exists",
                                          "effect",
                                          "NoSchedule")),
                              "affinity",
                                  java.util.Map.of(
                                      "nodeAffinity",
                                      java.util.Map.of(
                                          "requiredDuringSchedulingIgnoredDuringExecution",
                                          java.util.Map.of(
                                              "nodeSelectorTerms",
                                              java.util.List.of(
                                                  java.util.Map.of(
                                                      "matchExpressions",
                                                      java.util.List.of(
                                                          java.util.Map.of(
                                                              "key",
                                                              "node.kubernetes.io/name",
                                                              "operator",
                                                              "In",
                                                              "values",
                                                              java.util.List.of("big")))))))),
                              "resources",
                                  java.util.Map.of(
                                      "requests", java.util.Map.of("cpu", "1", "memory", "1Gi")),
                              "gpus", 1))));
    }
  }

  /**
   * One step that keeps allocating memory: its JVM may grow to 1 GiB ({@code JAVA_TOOL_OPTIONS}),
   * its pod is limited to 256 MiB, so the kernel kills it before the JVM runs out of heap.
   */
  public static final class Hog implements PipelineDefinition {
    static int hog() {
      java.util.List<byte[]> held = new java.util.ArrayList<>();
      for (int i = 0; i < 64; i++) {
        byte[] chunk = new byte[16 << 20];
        java.util.Arrays.fill(chunk, (byte) 1); // touched, so resident
        held.add(chunk);
        System.out.println("holding " + held.size() * 16 + " MiB");
      }
      return held.size();
    }

    @Override
    public String name() {
      return "hog";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("hog", Hog::hog)
          .configure(
              s ->
                  s.setting(
                      "orchestrator.kubernetes",
                      java.util.Map.of(
                          "podSettings",
                          java.util.Map.of(
                              "env",
                                  java.util.List.of(
                                      java.util.Map.of(
                                          "name", "JAVA_TOOL_OPTIONS", "value", "-Xmx1g")),
                              "resources",
                                  java.util.Map.of(
                                      "requests",
                                      java.util.Map.of("memory", "128Mi"),
                                      "limits",
                                      java.util.Map.of("memory", "256Mi"))))));
    }
  }

  /**
   * One step whose first attempt waits (up to 60 s) for a release that never comes; later attempts
   * go on at once.
   */
  public static final class Evictable implements PipelineDefinition {
    static String gate(Dir dir) throws Exception {
      int attempt = StepContext.current().attempt();
      if (attempt == 1) {
        System.out.println("waiting for the release on attempt 1");
        mark(dir, "gate.started");
        await(dir, "release", Duration.ofSeconds(60));
        throw new IllegalStateException("attempt 1 was never evicted");
      }
      System.out.println("attempt " + attempt + " goes on");
      return "done";
    }

    @Override
    public String name() {
      return "evictable";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("gate", Evictable::gate, Param.of(Dir.MOUNTED));
    }
  }

  /**
   * first → second, where second waits for a release file: lets a test kill the orchestrator
   * mid-run.
   */
  public static final class Gated implements PipelineDefinition {
    static String first(Dir dir) {
      System.out.println("first ran");
      return "a";
    }

    static String second(String in, Dir dir) throws Exception {
      mark(dir, "second.started");
      if (!await(dir, "release", Duration.ofSeconds(90))) {
        throw new IllegalStateException("never released");
      }
      return in + "b";
    }

    @Override
    public String name() {
      return "gated";
    }

    @Override
    public void define(PipelineBuilder p) {
      Dir dir = Dir.MOUNTED;
      p.step("second", Gated::second, p.step("first", Gated::first, Param.of(dir)), Param.of(dir));
    }
  }
}
