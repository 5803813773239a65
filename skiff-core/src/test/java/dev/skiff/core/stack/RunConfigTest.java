package dev.skiff.core.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.engine.CacheKeys;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.engine.PlanCompilerTest;
import dev.skiff.core.engine.RunConfig;
import dev.skiff.core.plan.PipelineDefinitionException;
import dev.skiff.core.plan.PlanInput;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run configuration: {@code --config FILE}, {@code -p STEP.PARAM=VALUE}, resolved into the plan.
 */
class RunConfigTest {
  static final Flavors FLAVORS = SettingsResolutionTest.FLAVORS;
  final PlanCompiler compiler =
      new PlanCompiler(Materializers.of(List.of(PlanCompilerTest.ANY)), w -> {});

  public record SplitConfig(double testFraction, long seed) {}

  public record SvmConfig(double cost, double gamma) {}

  static double[] load(SplitConfig config) {
    return new double[] {config.testFraction()};
  }

  static double train(double[] x, SvmConfig config) {
    return x[0] * config.gamma();
  }

  static double evaluate(double model) {
    return model;
  }

  static String label(String item, String prefix) {
    return prefix + item;
  }

  static java.util.List<String> items() {
    return List.of("a", "b");
  }

  static final Consumer<PipelineBuilder> DIGITS =
      p -> {
        Out<double[]> x =
            p.step("importer", RunConfigTest::load, Param.of(new SplitConfig(0.2, 42)));
        Out<Double> model =
            p.step("trainer", RunConfigTest::train, x, Param.of(new SvmConfig(10.0, 0.5)));
        p.step("evaluator", RunConfigTest::evaluate, model);
        p.map("label", RunConfigTest::label, p.step("items", RunConfigTest::items), Param.of("#"));
      };

  @TempDir Path dir;

  RunPlan run(Consumer<RunConfig.Builder> config) {
    RunConfig.Builder b = RunConfig.newBuilder(FLAVORS);
    config.accept(b);
    return compiler.compile(
        new SettingsResolutionTest.Inline(DIGITS),
        PipelineSettings.DEFAULTS,
        SettingsResolutionTest.stack(),
        b.build());
  }

  Path file(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  static PlanInput param(RunPlan plan, String step, String name) {
    return plan.step(step).inputs().stream()
        .filter(i -> i.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  /** Cache keys with the same (fake) content for every artifact input. */
  static Map<String, String> keys(RunPlan plan) {
    Map<String, String> keys = new LinkedHashMap<>();
    for (PlanStep s : plan.steps()) {
      Map<String, List<String>> content = new LinkedHashMap<>();
      s.inputs().stream()
          .filter(i -> !i.isParameter())
          .forEach(i -> content.put(i.name(), List.of("same")));
      keys.put(s.name(), CacheKeys.of(s, content, "file:///store"));
    }
    return keys;
  }

  @Test
  void aConfigFileChangesOnlyTheAffectedStepsCacheKey() throws Exception {
    RunPlan before = run(b -> {});
    Path yaml = file("run.yaml", "parameters:\n  trainer:\n    config:\n      gamma: 0.01\n");
    RunPlan after = run(b -> b.file(yaml));

    assertThat(param(after, "trainer", "config").value().toString())
        .isEqualTo("{\"cost\":10.0,\"gamma\":0.01}");
    assertThat(after.toJson()).contains("\"gamma\":0.01");
    Map<String, String> k0 = keys(before);
    Map<String, String> k1 = keys(after);
    assertThat(k1.get("trainer")).isNotEqualTo(k0.get("trainer"));
    for (String unchanged : List.of("importer", "evaluator", "items", "label")) {
      assertThat(k1.get(unchanged)).as(unchanged).isEqualTo(k0.get(unchanged));
    }
    // the same file as JSON gives the same plan
    Path json = file("run.json", "{\"parameters\":{\"trainer\":{\"config\":{\"gamma\":0.01}}}}");
    assertThat(run(b -> b.file(json)).toJson()).isEqualTo(after.toJson());
  }

  @Test
  void dashPIsTypedByTheParametersDeclaredType() {
    RunPlan plan =
        run(
            b ->
                b.parameter("importer.config.seed=7")
                    .parameter("trainer.config={\"cost\":1,\"gamma\":\"0.25\"}")
                    .parameter("label.prefix=item-"));
    assertThat(param(plan, "importer", "config").value().toString())
        .isEqualTo("{\"seed\":7,\"testFraction\":0.2}");
    assertThat(param(plan, "trainer", "config").value().toString())
        .isEqualTo("{\"cost\":1.0,\"gamma\":0.25}");
    // a map's parameters are set by the map's name
    assertThat(param(plan, "label", "prefix").value().asText()).isEqualTo("item-");

    assertThatThrownBy(() -> run(b -> b.parameter("importer.config.seed=many")))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessageStartingWith(
            "parameter 'config' of step 'importer' (-p importer.config.seed=many) expects"
                + " RunConfigTest.SplitConfig, got {\"seed\":\"many\",\"testFraction\":0.2}: ")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> run(b -> b.parameter("trainer")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("-p expects STEP.PARAM=VALUE");
  }

  @Test
  void precedenceCodeThenFilesThenCommandLine() throws Exception {
    Path first = file("a.yaml", "parameters: {trainer: {config: {gamma: 0.1, cost: 2}}}\n");
    Path second = file("b.yaml", "parameters: {trainer: {config: {gamma: 0.2}}}\n");
    RunPlan plan = run(b -> b.file(first).file(second).parameter("trainer.config.cost=3"));
    assertThat(param(plan, "trainer", "config").value().toString())
        .isEqualTo("{\"cost\":3.0,\"gamma\":0.2}");

    // settings: file < --set; step settings from a file win over the pipeline level
    Path settings =
        file(
            "s.yaml",
            "settings:\n  orchestrator.pods: {cpu: 2, memory: 2048}\n"
                + "steps:\n  trainer:\n    settings:\n      orchestrator.pods: {cpu: 16}\n");
    RunPlan s =
        run(
            b ->
                b.file(settings)
                    .settings(List.of(SettingOverrides.Assignment.set("orchestrator.pods.cpu=4"))));
    assertThat(SettingsResolutionTest.json(s, null)).isEqualTo("{\"cpu\":4,\"memory\":2048}");
    assertThat(SettingsResolutionTest.json(s, "importer")).isEqualTo("{\"cpu\":4,\"memory\":2048}");
    assertThat(SettingsResolutionTest.json(s, "trainer")).isEqualTo("{\"cpu\":16,\"memory\":2048}");
  }

  @Test
  void unknownStepsParametersAndKeysNameTheClosest() throws Exception {
    assertThatThrownBy(() -> run(b -> b.parameter("trainr.config.gamma=1")))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessage(
            "unknown step 'trainr' in -p trainr.config.gamma=1: did you mean 'trainer'? (steps of"
                + " pipeline 'p': importer, trainer, evaluator, items, label)");
    assertThatThrownBy(() -> run(b -> b.parameter("trainer.confg.gamma=1")))
        .hasMessage(
            "unknown parameter 'confg' of step 'trainer' in -p trainer.confg.gamma=1: did you mean"
                + " 'config'? (parameters: config)");
    assertThatThrownBy(() -> run(b -> b.parameter("trainer.x=1")))
        .hasMessage(
            "input 'x' of step 'trainer' in -p trainer.x=1 is not a parameter: only Param.of(...)"
                + " inputs can be set (parameters: config)");
    assertThatThrownBy(() -> run(b -> b.parameter("trainer.config.gama=1")))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessage(
            "unknown key 'gama' in parameter 'config' of step 'trainer' (-p"
                + " trainer.config.gama=1): did you mean 'gamma'? (valid keys: cost, gamma)");
    Path yaml = file("bad.yaml", "paramters: {}\n");
    assertThatThrownBy(() -> run(b -> b.file(yaml)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "unknown key 'paramters' in --config "
                + yaml
                + ": did you mean 'parameters'? (valid keys: parameters, settings, steps)");
    Path step = file("step.yaml", "steps: {evaluater: {settings: {orchestrator.pods: {cpu: 1}}}}");
    assertThatThrownBy(() -> run(b -> b.file(step)))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessageStartingWith(
            "unknown step 'evaluater' in --config " + step + ": did you mean 'evaluator'?");
    Path key = file("key.yaml", "settings: {orchestrator.pods: {cpus: 1}}");
    assertThatThrownBy(() -> run(b -> b.file(key)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "unknown key 'cpus' for --config " + key + " orchestrator.pods: did you mean 'cpu'?");
    Path pipelineKey = file("pk.yaml", "settings: {enableCach: false}");
    assertThatThrownBy(() -> run(b -> b.file(pipelineKey)))
        .hasMessageStartingWith(
            "unknown key 'enableCach' for --config "
                + pipelineKey
                + ": did you mean 'enableCache'?");
    assertThatThrownBy(() -> run(b -> b.file(dir.resolve("missing.yaml"))))
        .hasMessage("config file " + dir.resolve("missing.yaml") + " does not exist");
    Path broken = file("broken.yaml", "parameters: [\n");
    assertThatThrownBy(() -> run(b -> b.file(broken)))
        .hasMessageStartingWith("cannot read config file " + broken + ": ")
        .hasMessageNotContaining("\n");
  }
}
