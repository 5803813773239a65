package dev.skiff.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.plan.HookKind;
import dev.skiff.core.plan.PipelineDefinitionException;
import dev.skiff.core.plan.PlanSource;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.sdk.Inputs;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunSummary;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** How fan-ins, maps, conditions and hooks compile into the plan, and what is refused. */
class PlanCompilerFlowTest {
  final PlanCompiler compiler = new PlanCompiler(Materializers.of(List.of(PlanCompilerTest.ANY)));

  static List<Integer> numbers() {
    return List.of(1, 2);
  }

  static String label(int x, String prefix) {
    return prefix + x;
  }

  static int one() {
    return 1;
  }

  static boolean yes() {
    return true;
  }

  static String join(List<String> xs) {
    return String.join(",", xs);
  }

  static int sum(List<Integer> xs) {
    return xs.size();
  }

  static String note(RunSummary s) {
    return s.status().name();
  }

  record Def(Consumer<PipelineBuilder> body) implements PipelineDefinition {
    @Override
    public String name() {
      return "flow";
    }

    @Override
    public void define(PipelineBuilder p) {
      body.accept(p);
    }
  }

  RunPlan compile(Consumer<PipelineBuilder> body) {
    return compiler.compile(new Def(body), PipelineSettings.DEFAULTS);
  }

  @Test
  void aMapIsOneNodeOfThePlanAndItsInstancesAreDerivedByName() {
    RunPlan plan =
        compile(
            p -> {
              Out<List<Integer>> n = p.step("numbers", PlanCompilerFlowTest::numbers);
              Out<List<String>> labels =
                  p.map("label", PlanCompilerFlowTest::label, n, dev.skiff.sdk.Param.of("#"))
                      .configure(s -> s.maxParallelism(3));
              p.step("join", PlanCompilerFlowTest::join, labels);
            });

    PlanStep map = plan.step("label");
    assertThat(map.map().maxParallelism()).isEqualTo(3);
    assertThat(map.outputs().get(0).type()).isEqualTo("java.util.List<java.lang.String>");
    assertThat(map.outputs().get(0).materializer()).isNull();
    assertThat(plan.step("numbers").outputs().get(0).elementMaterializer())
        .isEqualTo("test.any/v1");
    PlanStep instance = plan.step("label[7]");
    assertThat(instance.name()).isEqualTo("label[7]");
    assertThat(instance.declaredName()).isEqualTo("label");
    assertThat(instance.inputs().get(0).output()).isEqualTo("output[7]");
    assertThat(instance.inputs().get(1).isParameter()).isTrue();
    assertThat(instance.outputs().get(0).type()).isEqualTo("java.lang.String");
    assertThat(instance.codeHash()).isEqualTo(map.codeHash());
    assertThat(plan.step("label[07]").name()).isEqualTo("label[7]");
    assertThatThrownBy(() -> plan.step("label[99999999999]"))
        .hasMessage("pipeline '" + plan.pipeline() + "' has no step 'label[99999999999]'");
    assertThatThrownBy(() -> plan.step("join[1]")).hasMessageContaining("has no step 'join[1]'");
    assertThat(plan.steps()).extracting(PlanStep::name).containsExactly("numbers", "label", "join");
    assertThat(RunPlan.fromJson(plan.toJson())).isEqualTo(plan);
  }

  @Test
  void fanInsConditionsAndHooksAreInThePlanAndReadBack() {
    RunPlan plan =
        compile(
            p -> {
              Out<Integer> a = p.step("a", PlanCompilerFlowTest::one);
              Out<Integer> b = p.step("b", PlanCompilerFlowTest::one);
              Out<Boolean> ok = p.step("ok", PlanCompilerFlowTest::yes);
              p.when(ok, () -> p.step("sum", PlanCompilerFlowTest::sum, Inputs.all(a, b, a)));
              p.always("note", PlanCompilerFlowTest::note);
            });

    PlanStep sum = plan.step("sum");
    assertThat(sum.inputs().get(0).sources())
        .containsExactly(
            new PlanSource("a", null), new PlanSource("b", null), new PlanSource("a", null));
    assertThat(sum.conditions()).containsExactly(new PlanSource("ok", "output"));
    assertThat(sum.upstream()).containsExactlyInAnyOrder("a", "b", "ok");
    PlanStep note = plan.step("note");
    assertThat(note.hook()).isEqualTo(HookKind.ALWAYS);
    assertThat(note.inputs().get(0).runSummary()).isTrue();
    assertThat(note.policy().enableCache()).isFalse();
    assertThat(RunPlan.fromJson(plan.toJson())).isEqualTo(plan);
  }

  @Test
  void aPlanWithoutThemWritesTheSameJsonAsBefore() {
    String json =
        compile(p -> p.step("sum", PlanCompilerFlowTest::sum, dev.skiff.sdk.Param.of(List.of(1))))
            .toJson();

    assertThat(json)
        .doesNotContain("\"map\"", "\"conditions\"", "\"hook\"", "\"sources\"", "runSummary")
        .doesNotContain("elementMaterializer", "fanIn", "declaredName");
  }

  @Test
  void misuseIsRefusedWithTheFix() {
    assertThatThrownBy(
            () ->
                compile(
                    p ->
                        p.step("a", PlanCompilerFlowTest::one).configure(s -> s.maxParallelism(2))))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessage("maxParallelism applies to map steps only: step 'a' is not a map");
    assertThatThrownBy(
            () ->
                compile(
                    p -> {
                      Out<String> n = p.always("note", PlanCompilerFlowTest::note);
                      p.step(
                          "join",
                          PlanCompilerFlowTest::label,
                          p.step("a", PlanCompilerFlowTest::one),
                          n);
                    }))
        .hasMessage(
            "step 'join' uses the output of hook 'note': hooks run after every other step, so no step can take their outputs");
    assertThatThrownBy(
            () ->
                compile(
                    p -> {
                      @SuppressWarnings("unchecked")
                      Out<Boolean> notBoolean =
                          (Out<Boolean>) (Out<?>) p.step("a", PlanCompilerFlowTest::one);
                      p.step("b", PlanCompilerFlowTest::one).onlyIf(notBoolean);
                    }))
        .hasMessage(
            "the condition of step 'b' must be a boolean output, but output 'a.output' is int");
    assertThatThrownBy(
            () ->
                compile(
                    p -> {
                      Out<Boolean> ok = p.step("ok", PlanCompilerFlowTest::yes);
                      p.when(ok, () -> p.onFailure("page", PlanCompilerFlowTest::note));
                    }))
        .hasMessage(
            "hook 'page' cannot have a condition: hooks run after every other step, by how the run ended");
  }
}
