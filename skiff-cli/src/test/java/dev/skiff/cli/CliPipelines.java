package dev.skiff.cli;

import dev.skiff.sdk.Out;
import dev.skiff.sdk.Pipeline;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.StepContext;
import dev.skiff.sdk.Visualization;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Small pipelines the CLI tests run. Static state is reset by the tests that use it. */
public final class CliPipelines {
  public static final String REPORT_HTML =
      "<html><body><h1>Tiny report</h1><p>accuracy 0.875</p></body></html>";

  private CliPipelines() {}

  public record Stats(int count, double mean) {}

  /** A multi-output step's result: one artifact per component. */
  public record Split(int[] train, int[] test, String label, Stats stats) {}

  /**
   * load (record: train, test, label, stats) ──► train ──► evaluate; evaluate also takes test and
   * stats, prints its accuracy with System.out and attaches an HTML visualization.
   */
  public static final class Tiny implements PipelineDefinition {
    public Tiny() {}

    @Override
    public String name() {
      return "tiny";
    }

    static Split load() {
      StepContext.current().log().info("loaded {} rows", 8);
      return new Split(
          new int[] {1, 2, 3, 4, 5}, new int[] {6, 7, 8}, "digits-v1", new Stats(8, 4.5));
    }

    static int train(int[] rows) {
      StepContext.current()
          .log()
          .info("trained on {} rows in pid {}", rows.length, ProcessHandle.current().pid());
      return Arrays.stream(rows).sum();
    }

    static double evaluate(int[] test, int model, Stats stats) {
      double accuracy = 0.875;
      System.out.println("accuracy: " + accuracy);
      StepContext.current().visualize(Visualization.html("report", REPORT_HTML));
      return accuracy;
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<Split> data = p.step("load", Tiny::load);
      Out<Integer> model = p.step("train", Tiny::train, data.get(Split::train));
      p.step("evaluate", Tiny::evaluate, data.get(Split::test), model, data.get(Split::stats));
    }
  }

  /**
   * root ──► fail ──► after_fail; root ──► side. {@code fail} always throws an exception with a
   * two-line message. Declared so that {@code fail} is started before {@code side}.
   */
  public static final class Branches implements PipelineDefinition {
    public Branches() {}

    @Override
    public String name() {
      return "branches";
    }

    static int root() {
      return 1;
    }

    static int fail(int x) {
      throw new IllegalStateException(
          "disk quota exceeded for input " + x + "\nsecond line of the message");
    }

    static int side(int x) {
      System.out.println("side ran");
      return x + 1;
    }

    static int afterFail(int x) {
      return x + 1;
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<Integer> root = p.step("root", Branches::root);
      Out<Integer> fail = p.step("fail", Branches::fail, root);
      p.step("side", Branches::side, root);
      p.step("after_fail", Branches::afterFail, fail);
    }
  }

  /** a ──► b ──► c, where b fails while {@link #failB} is set. Counts the calls of each step. */
  public static final class Resumable implements PipelineDefinition {
    static volatile boolean failB;
    static final AtomicInteger A_CALLS = new AtomicInteger();
    static final AtomicInteger B_CALLS = new AtomicInteger();
    static final AtomicInteger C_CALLS = new AtomicInteger();

    public Resumable() {}

    static void reset(boolean fail) {
      failB = fail;
      A_CALLS.set(0);
      B_CALLS.set(0);
      C_CALLS.set(0);
    }

    @Override
    public String name() {
      return "resumable";
    }

    static int a() {
      A_CALLS.incrementAndGet();
      return 1;
    }

    static int b(int x) {
      B_CALLS.incrementAndGet();
      if (failB) {
        throw new IllegalStateException("b is broken");
      }
      return x + 1;
    }

    static int c(int x) {
      C_CALLS.incrementAndGet();
      return x + 1;
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("c", Resumable::c, p.step("b", Resumable::b, p.step("a", Resumable::a)));
    }
  }

  /**
   * Not a pipeline definition: a user's own main that runs {@link Tiny}, or {@link Branches} when
   * its first argument is {@code fail}.
   */
  public static final class TinyMain {
    private TinyMain() {}

    public static void main(String[] args) {
      PipelineDefinition definition =
          args.length > 0 && args[0].equals("fail") ? new Branches() : new Tiny();
      Pipeline.of(definition).run();
    }
  }

  /** A pipeline the CLI cannot create: no no-argument constructor. */
  public static final class NeedsArguments implements PipelineDefinition {
    public NeedsArguments(String unused) {}

    @Override
    public void define(PipelineBuilder p) {
      p.step("a", Resumable::a);
    }
  }

  /** A pipeline that does not compile into a plan: it has no steps. */
  public static final class Empty implements PipelineDefinition {
    public Empty() {}

    @Override
    public void define(PipelineBuilder p) {}
  }

  /** Neither a pipeline definition nor a class with a main method. */
  public static final class NotAPipeline {
    private NotAPipeline() {}
  }

  /**
   * Two steps that print the system property {@code skiff.level} of their JVM: {@code probe}
   * inherits the pipeline's {@code orchestrator.local} settings, {@code probe_step} sets its own
   * {@code jvmArgs} ({@code -Dskiff.level=step}). With process isolation this shows which level of
   * settings reached each step's JVM.
   */
  public static final class Levels implements PipelineDefinition {
    public Levels() {}

    @Override
    public String name() {
      return "levels";
    }

    static int probe() {
      System.out.println(
          "level=" + System.getProperty("skiff.level") + " pid=" + ProcessHandle.current().pid());
      return 1;
    }

    static int probeStep() {
      System.out.println(
          "level=" + System.getProperty("skiff.level") + " pid=" + ProcessHandle.current().pid());
      return 2;
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("probe", Levels::probe);
      p.step("probe_step", Levels::probeStep)
          .configure(
              s ->
                  s.setting(
                      "orchestrator.local", Map.of("jvmArgs", List.of("-Dskiff.level=step"))));
    }
  }

  /**
   * Runs {@link Levels} with pipeline-level settings {@code orchestrator.local
   * jvmArgs=-Dskiff.level=pipeline}.
   */
  public static final class LevelsMain {
    private LevelsMain() {}

    public static void main(String[] args) {
      Pipeline.of(new Levels())
          .settings(
              s ->
                  s.setting(
                      "orchestrator.local", Map.of("jvmArgs", List.of("-Dskiff.level=pipeline"))))
          .run();
    }
  }

  /**
   * A step with settings for a Kubernetes orchestrator: ignored, with a warning, on a local stack.
   */
  public static final class ForKubernetes implements PipelineDefinition {
    public ForKubernetes() {}

    @Override
    public String name() {
      return "for_kubernetes";
    }

    static int work() {
      return 42;
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("work", ForKubernetes::work)
          .configure(s -> s.setting("orchestrator.kubernetes", Map.of("namespace", "ml")));
    }
  }

  /** A step setting whose key is not {@code <component>.<flavor>}: the plan does not compile. */
  public static final class MalformedSetting implements PipelineDefinition {
    public MalformedSetting() {}

    @Override
    public String name() {
      return "malformed_setting";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("work", ForKubernetes::work)
          .configure(s -> s.setting("kubernetes", Map.of("namespace", "ml")));
    }
  }

  /**
   * One step; its image builds on the base named by the system property {@code skiff.test.base}.
   */
  public static final class Imaged implements PipelineDefinition {
    static String hello() {
      return "hello";
    }

    @Override
    public String name() {
      return "imaged";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("hello", Imaged::hello);
    }

    @Override
    public dev.skiff.sdk.PipelineSettings settings() {
      String base = System.getProperty("skiff.test.base");
      return base == null
          ? dev.skiff.sdk.PipelineSettings.DEFAULTS
          : dev.skiff.sdk.PipelineSettings.newBuilder()
              .setting("container_registry.default", java.util.Map.of("baseImage", base))
              .build();
    }
  }

  /**
   * One step that reads the JVM property {@code skiff.probe.token} (set through the local
   * orchestrator's {@code jvmArgs}, process isolation), says whether it arrived resolved (not a
   * {@code {{secret...}}} reference), prints the value and then fails with an error message holding
   * it.
   */
  public static final class SecretProbe implements PipelineDefinition {
    public static final String PROPERTY = "skiff.probe.token";

    public SecretProbe() {}

    @Override
    public String name() {
      return "secret-probe";
    }

    static int login() {
      String token = System.getProperty(PROPERTY);
      System.out.println("token resolved: " + (token != null && !token.contains("{{")));
      System.out.println("logging in with token " + token);
      throw new IllegalStateException("login refused for token " + token);
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("login", SecretProbe::login);
    }
  }
}
