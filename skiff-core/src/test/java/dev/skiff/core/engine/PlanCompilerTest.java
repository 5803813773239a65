package dev.skiff.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.plan.PipelineDefinitionException;
import dev.skiff.core.plan.PlanInput;
import dev.skiff.core.plan.PlanOutput;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.plan.StepPolicy;
import dev.skiff.core.spi.Materializers;
import dev.skiff.sdk.Materializer;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RetryPolicy;
import dev.skiff.sdk.internal.PipelineRecorder;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

public class PlanCompilerTest {
  /** Accepts every type except {@link Opaque}, so the "no materializer" error can be tested. */
  public static final Materializer ANY =
      new Materializer() {
        @Override
        public String id() {
          return "test.any/v1";
        }

        @Override
        public boolean supports(Type type) {
          return type != Opaque.class;
        }

        @Override
        public void write(Object value, Type type, OutputStream out) {}

        @Override
        public Object read(Type type, InputStream in) {
          return null;
        }
      };

  final PlanCompiler compiler = new PlanCompiler(Materializers.of(List.of(ANY)));

  public record Split(double[] train, double[] test, int[] labels) {}

  public record Config(int k, String mode) {}

  static final class Opaque {}

  static Split load() {
    return new Split(new double[] {1}, new double[] {2}, new int[] {0});
  }

  static double mean(double[] xs) {
    return xs[0];
  }

  static String label(int[] labels, Config config) {
    return config.mode() + labels.length;
  }

  static Opaque opaque() {
    return new Opaque();
  }

  static long count(String s) {
    return s.length();
  }

  static Void sink(Split s) {
    return null;
  }

  static String noop() {
    return "x";
  }

  /** A pipeline written inline with a lambda over the builder. */
  record Inline(String name, Consumer<PipelineBuilder> body) implements PipelineDefinition {
    @Override
    public void define(PipelineBuilder p) {
      body.accept(p);
    }
  }

  static RunPlan compile(PlanCompiler c, Consumer<PipelineBuilder> body) {
    return c.compile(new Inline("p", body), PipelineSettings.DEFAULTS);
  }

  @Test
  void compilesMultiOutputRecordWiringInTopologicalOrder() {
    RunPlan plan =
        compile(
            compiler,
            p -> {
              Out<Split> data = p.step("load", PlanCompilerTest::load);
              p.step(
                  "label",
                  PlanCompilerTest::label,
                  data.get(Split::labels),
                  Param.of(new Config(3, "knn")));
              p.step("mean", PlanCompilerTest::mean, data.get(Split::train));
              p.step("sink", PlanCompilerTest::sink, data);
            });

    assertThat(plan.steps())
        .extracting(PlanStep::name)
        .containsExactly("load", "label", "mean", "sink");
    PlanStep load = plan.step("load");
    assertThat(load.recordOutput()).isTrue();
    assertThat(load.outputs())
        .extracting(PlanOutput::name)
        .containsExactly("train", "test", "labels");
    PlanStep label = plan.step("label");
    assertThat(label.inputs()).extracting(PlanInput::name).containsExactly("labels", "config");
    assertThat(label.inputs().get(0).step()).isEqualTo("load");
    assertThat(label.inputs().get(0).output()).isEqualTo("labels");
    assertThat(label.inputs().get(1).isParameter()).isTrue();
    assertThat(label.inputs().get(1).value().get("mode").asText()).isEqualTo("knn");
    assertThat(plan.step("sink").inputs().get(0).output()).isNull();
    assertThat(plan.step("sink").outputs()).isEmpty();
    assertThat(label.codeHash()).hasSize(64);
  }

  @Test
  void planJsonRoundTripsAndHashIsStable() {
    Consumer<PipelineBuilder> body =
        p ->
            p.step(
                "label",
                PlanCompilerTest::label,
                p.step("load", PlanCompilerTest::load).get(Split::labels),
                Param.of(new Config(3, "a")));
    RunPlan plan = compile(compiler, body);
    RunPlan again = RunPlan.fromJson(plan.toJson());
    assertThat(again).isEqualTo(plan);
    assertThat(again.hash()).isEqualTo(plan.hash()).isEqualTo(compile(compiler, body).hash());
  }

  @Test
  void parameterChangeChangesPlanHashAndValueHash() {
    RunPlan a =
        compile(
            compiler,
            p ->
                p.step(
                    "label",
                    PlanCompilerTest::label,
                    p.step("load", PlanCompilerTest::load).get(Split::labels),
                    Param.of(new Config(3, "a"))));
    RunPlan b =
        compile(
            compiler,
            p ->
                p.step(
                    "label",
                    PlanCompilerTest::label,
                    p.step("load", PlanCompilerTest::load).get(Split::labels),
                    Param.of(new Config(4, "a"))));
    assertThat(a.step("label").inputs().get(1).valueHash())
        .isNotEqualTo(b.step("label").inputs().get(1).valueHash());
    assertThat(a.hash()).isNotEqualTo(b.hash());
  }

  @Test
  void cycleIsReportedWithItsPath() {
    assertThatThrownBy(
            () ->
                compile(
                    compiler,
                    p -> {
                      Out<String> a = p.step("a", PlanCompilerTest::noop);
                      Out<String> b = p.step("b", PlanCompilerTest::noop);
                      Out<String> c = p.step("c", PlanCompilerTest::noop);
                      p.after(b, a);
                      p.after(c, b);
                      p.after(a, c);
                    }))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessage("cycle in pipeline 'p': a -> b -> c -> a");
  }

  @Test
  void selfDependencyIsACycle() {
    assertThatThrownBy(
            () ->
                compile(
                    compiler,
                    p -> {
                      Out<String> a = p.step("a", PlanCompilerTest::noop);
                      p.after(a, a);
                    }))
        .hasMessage("cycle in pipeline 'p': a -> a");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void typeMismatchThatJavaCannotSeeIsAnError() {
    assertThatThrownBy(
            () ->
                compile(
                    compiler,
                    p -> {
                      Out<Split> data = p.step("load", PlanCompilerTest::load);
                      Out raw = data.get(Split::labels);
                      Out<double[]> labels =
                          raw; // really int[]: an unchecked cast hides it from javac
                      p.step("mean", PlanCompilerTest::mean, labels);
                    }))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessage(
            "type mismatch: parameter 'xs' of step 'mean' expects double[] but output 'load.labels' is int[]");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void parameterOfWrongTypeIsAnError() {
    assertThatThrownBy(
            () ->
                compile(
                    compiler, p -> p.step("count", PlanCompilerTest::count, (Param) Param.of(42))))
        .hasMessage(
            "type mismatch: parameter 's' of step 'count' expects String but is given a parameter of type Integer");
  }

  @Test
  void duplicateStepNameIsAnError() {
    assertThatThrownBy(
            () ->
                compile(
                    compiler,
                    p -> {
                      p.step("a", PlanCompilerTest::noop);
                      p.step("a", PlanCompilerTest::noop);
                    }))
        .hasMessage("duplicate step name 'a' in pipeline 'p': step names must be unique");
  }

  @Test
  void outputOfAnotherPipelineIsAnUnknownStep() {
    Out<String> foreign =
        PipelineRecorder.record(
                    new Inline("other", p -> p.step("elsewhere", PlanCompilerTest::noop)))
                .steps()
                .isEmpty()
            ? null
            : new PipelineRecorder().step("elsewhere", PlanCompilerTest::noop);
    assertThatThrownBy(
            () -> compile(compiler, p -> p.step("count", PlanCompilerTest::count, foreign)))
        .hasMessage(
            "step 'count' uses an output of unknown step 'elsewhere' (not declared in pipeline 'p')");
  }

  @Test
  void invalidNamesAndEmptyPipelinesAreErrors() {
    assertThatThrownBy(() -> compile(compiler, p -> p.step("bad name", PlanCompilerTest::noop)))
        .hasMessageStartingWith("step name 'bad name' in pipeline 'p' is invalid");
    assertThatThrownBy(() -> compile(compiler, p -> {}))
        .hasMessage("pipeline 'p' declares no steps: add p.step(...) calls in define()");
  }

  @Test
  void capturedValuesMustBeParameters() {
    int k = 7;
    assertThatThrownBy(() -> compile(compiler, p -> p.step("captures", () -> k + 1)))
        .hasMessage(
            "step 'captures' captures a value (Integer): pass it as an input with Param.of(...) so it is stored in the plan and part of the cache key");
  }

  /** A step written as a class; its field would change results without changing the plan. */
  static final class Scaler implements dev.skiff.sdk.StepFunction.F0<Double> {
    private final double factor;

    Scaler(double factor) {
      this.factor = factor;
    }

    @Override
    public Double apply() {
      return factor;
    }
  }

  /** A stateless step class is fine. */
  static final class Two implements dev.skiff.sdk.StepFunction.F0<Integer> {
    @Override
    public Integer apply() {
      return 2;
    }
  }

  @Test
  void stepObjectsWithStateMustUseParameters() {
    assertThatThrownBy(() -> compile(compiler, p -> p.step("scale", new Scaler(2.0))))
        .hasMessage(
            "step 'scale' is an object with state (field 'factor' of Scaler): pass configuration as an input with Param.of(...) so it is stored in the plan and part of the cache key");
    assertThat(compile(compiler, p -> p.step("two", new Two())).step("two").outputs())
        .extracting(PlanOutput::type)
        .containsExactly("java.lang.Integer");
  }

  @Test
  void outputWithoutMaterializerIsAnError() {
    assertThatThrownBy(() -> compile(compiler, p -> p.step("o", PlanCompilerTest::opaque)))
        .hasMessageStartingWith(
            "no materializer for output 'output' of step 'o' (type PlanCompilerTest.Opaque)");
  }

  @Test
  void settingsResolvePipelineThenStep() {
    PipelineSettings settings =
        PipelineSettings.newBuilder()
            .enableCache(false)
            .stepTimeout(Duration.ofSeconds(9))
            .retry(RetryPolicy.newBuilder().maxAttempts(2).build())
            .build();
    RunPlan plan =
        compiler.compile(
            new Inline(
                "p",
                p -> {
                  p.step("a", PlanCompilerTest::noop);
                  p.step("b", PlanCompilerTest::noop)
                      .configure(
                          s -> s.enableCache(true).maxAttempts(5).timeout(Duration.ofSeconds(1)));
                }),
            settings);
    assertThat(plan.step("a").policy())
        .isEqualTo(
            new StepPolicy(
                false,
                2,
                Duration.ofSeconds(1),
                2.0,
                Duration.ofMinutes(1),
                Duration.ofSeconds(9)));
    assertThat(plan.step("b").policy())
        .isEqualTo(
            new StepPolicy(
                true, 5, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1), Duration.ofSeconds(1)));
  }
}
