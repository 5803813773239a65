package dev.skiff.core.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.engine.PlanCompilerTest;
import dev.skiff.core.plan.PipelineDefinitionException;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Component config < pipeline settings < --set < step settings, resolved into the plan as complete
 * settings records.
 */
class SettingsResolutionTest {
  record Placement(Map<String, String> nodeSelector, Integer priority) {}

  /** The configuration: the settings fields (with their defaults) and fields of its own. */
  record PodConfig(
      String namespace, Integer cpu, Integer memory, String token, Placement placement) {
    PodConfig {
      memory = memory == null ? 256 : memory;
    }
  }

  record PodSettings(Integer cpu, Integer memory, Placement placement) {}

  static final class PodFlavor implements Flavor<PodConfig> {
    private final Class<? extends Record> settings;

    PodFlavor() {
      this(PodSettings.class);
    }

    PodFlavor(Class<? extends Record> settings) {
      this.settings = settings;
    }

    @Override
    public ComponentType type() {
      return ComponentType.ORCHESTRATOR;
    }

    @Override
    public String name() {
      return "pods";
    }

    @Override
    public String description() {
      return "test";
    }

    @Override
    public Class<PodConfig> configType() {
      return PodConfig.class;
    }

    @Override
    public Class<? extends Record> settingsType() {
      return settings;
    }
  }

  static String two() {
    return "2";
  }

  record Inline(Consumer<PipelineBuilder> body) implements PipelineDefinition {
    @Override
    public String name() {
      return "p";
    }

    @Override
    public void define(PipelineBuilder p) {
      body.accept(p);
    }
  }

  /** Another orchestrator flavor, installed but not in the stack. */
  static final class OtherFlavor implements Flavor<PodConfig> {
    @Override
    public ComponentType type() {
      return ComponentType.ORCHESTRATOR;
    }

    @Override
    public String name() {
      return "other";
    }

    @Override
    public String description() {
      return "test";
    }

    @Override
    public Class<PodConfig> configType() {
      return PodConfig.class;
    }

    @Override
    public Class<PodSettings> settingsType() {
      return PodSettings.class;
    }
  }

  static final Flavors FLAVORS = Flavors.of(List.of(new PodFlavor(), new OtherFlavor()));

  final List<String> warnings = new ArrayList<>();
  final PlanCompiler compiler =
      new PlanCompiler(Materializers.of(List.of(PlanCompilerTest.ANY)), warnings::add);

  static ResolvedStack stack() {
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    config
        .put("namespace", "ml")
        .put("cpu", 1)
        .put("memory", 512)
        .put("token", "{{secret.k8s.token}}");
    ComponentRecord c =
        new ComponentRecord(ComponentType.ORCHESTRATOR, "k8s", "pods", config, Instant.EPOCH, null);
    return new ResolvedStack(
        "prod", Map.of(ComponentType.ORCHESTRATOR, new ResolvedComponent(c, new PodFlavor())));
  }

  RunPlan compile(PipelineSettings settings, Consumer<PipelineBuilder> body) {
    return compiler.compile(new Inline(body), settings, stack());
  }

  RunPlan compile(PipelineSettings settings, List<String> sets, Consumer<PipelineBuilder> body) {
    return compiler.compile(new Inline(body), settings, stack(), sets(sets));
  }

  static SettingOverrides sets(List<String> sets) {
    return SettingOverrides.parse(
        FLAVORS, sets.stream().map(SettingOverrides.Assignment::set).toList());
  }

  static String json(RunPlan plan, String step) {
    return (step == null ? plan.settings() : plan.step(step).settings())
        .get("orchestrator.pods")
        .toString();
  }

  @Test
  void stepOverridesPipelineOverridesComponent() {
    RunPlan plan =
        compile(
            PipelineSettings.newBuilder()
                .setting("orchestrator.pods", Map.of("memory", 1024))
                .build(),
            p -> {
              p.step("plain", SettingsResolutionTest::two);
              p.step("big", SettingsResolutionTest::two)
                  .configure(s -> s.setting("orchestrator.pods", new PodSettings(8, null, null)));
            });

    assertThat(plan.stack()).isEqualTo("prod");
    assertThat(plan.settings().get("orchestrator.pods").toString())
        .isEqualTo("{\"cpu\":1,\"memory\":1024}");
    assertThat(plan.step("plain").settings().get("orchestrator.pods").toString())
        .isEqualTo("{\"cpu\":1,\"memory\":1024}");
    assertThat(plan.step("big").settings().get("orchestrator.pods").toString())
        .isEqualTo("{\"cpu\":8,\"memory\":1024}");
    assertThat(plan.toJson()).doesNotContain("token").doesNotContain("secret");
    assertThat(warnings).isEmpty();
  }

  @Test
  void thePlanHoldsCompleteRecordsWithTheConfigurationsDefaults() {
    ObjectNode config =
        JsonNodeFactory.instance.objectNode().put("cpu", 2); // memory: the configuration's default
    ComponentRecord c =
        new ComponentRecord(ComponentType.ORCHESTRATOR, "k8s", "pods", config, Instant.EPOCH, null);
    ResolvedStack stack =
        new ResolvedStack(
            "prod", Map.of(ComponentType.ORCHESTRATOR, new ResolvedComponent(c, new PodFlavor())));

    RunPlan plan =
        compiler.compile(
            new Inline(p -> p.step("a", SettingsResolutionTest::two)),
            PipelineSettings.DEFAULTS,
            stack);

    assertThat(json(plan, null)).isEqualTo("{\"cpu\":2,\"memory\":256}");
    assertThat(json(plan, "a")).isEqualTo("{\"cpu\":2,\"memory\":256}");
    assertThat(plan.step("a").setting("orchestrator.pods", PodSettings.class))
        .contains(new PodSettings(2, 256, null));
    assertThat(plan.setting("orchestrator.pods", PodSettings.class))
        .contains(new PodSettings(2, 256, null));
  }

  @Test
  void aNestedSettingsObjectIsReplacedAsAWholeByALaterLevel() {
    ObjectNode config = JsonNodeFactory.instance.objectNode().put("cpu", 1);
    config.putObject("placement").put("priority", 1).putObject("nodeSelector").put("pool", "cpu");
    ComponentRecord c =
        new ComponentRecord(ComponentType.ORCHESTRATOR, "k8s", "pods", config, Instant.EPOCH, null);
    ResolvedStack stack =
        new ResolvedStack(
            "prod", Map.of(ComponentType.ORCHESTRATOR, new ResolvedComponent(c, new PodFlavor())));

    RunPlan plan =
        compiler.compile(
            new Inline(
                p -> {
                  p.step("plain", SettingsResolutionTest::two);
                  p.step("gpu", SettingsResolutionTest::two)
                      .configure(
                          s ->
                              s.setting(
                                  "orchestrator.pods",
                                  Map.of(
                                      "placement", Map.of("nodeSelector", Map.of("pool", "gpu")))));
                }),
            PipelineSettings.newBuilder()
                .setting("orchestrator.pods", Map.of("placement", Map.of("priority", 2)))
                .build(),
            stack);

    // config < pipeline < step, each replacing the placement as a whole
    assertThat(json(plan, "plain"))
        .isEqualTo("{\"cpu\":1,\"memory\":256,\"placement\":{\"priority\":2}}");
    assertThat(json(plan, "gpu"))
        .isEqualTo(
            "{\"cpu\":1,\"memory\":256,\"placement\":{\"nodeSelector\":{\"pool\":\"gpu\"}}}");
  }

  @Test
  void setIsPipelineLevelOverTheCodeAndUnderTheSteps() {
    RunPlan plan =
        compile(
            PipelineSettings.newBuilder()
                .setting(
                    "orchestrator.pods",
                    Map.of(
                        "memory", 1024, "placement", Map.of("nodeSelector", Map.of("pool", "gpu"))))
                .build(),
            List.of(
                "orchestrator.pods.memory=2048",
                "orchestrator.pods.placement.nodeSelector.disk=ssd",
                "orchestrator.pods.placement.node_selector.kubernetes.io/arch=\"arm64\""),
            p -> {
              p.step("plain", SettingsResolutionTest::two);
              p.step("big", SettingsResolutionTest::two)
                  .configure(s -> s.setting("orchestrator.pods", Map.of("cpu", 8, "memory", 4096)));
            });

    // a path sets one field: the code's nodeSelector keeps its other keys; a map key may hold dots
    String placement =
        "\"placement\":{\"nodeSelector\":{\"disk\":\"ssd\",\"kubernetes.io/arch\":\"arm64\",\"pool\":\"gpu\"}}";
    assertThat(json(plan, null)).isEqualTo("{\"cpu\":1,\"memory\":2048," + placement + "}");
    assertThat(json(plan, "plain")).isEqualTo("{\"cpu\":1,\"memory\":2048," + placement + "}");
    assertThat(json(plan, "big")).isEqualTo("{\"cpu\":8,\"memory\":4096," + placement + "}");
    assertThat(warnings).isEmpty();

    // a whole object, and values typed as settings values are
    RunPlan whole =
        compile(
            PipelineSettings.DEFAULTS,
            List.of("orchestrator.pods={\"cpu\": 3}", "orchestrator.pods.placement.priority=\"7\""),
            p -> p.step("a", SettingsResolutionTest::two));
    assertThat(json(whole, "a"))
        .isEqualTo("{\"cpu\":3,\"memory\":512,\"placement\":{\"priority\":7}}");
  }

  @Test
  void setPipelineKeysChangeThePipelineSettings() {
    RunPlan plan =
        compile(
            PipelineSettings.DEFAULTS,
            List.of("enableCache=false", "fail-fast=no", "maxParallelism=3", "stepTimeout=30s"),
            p -> p.step("a", SettingsResolutionTest::two));

    assertThat(plan.failFast()).isFalse();
    assertThat(plan.maxParallelism()).isEqualTo(3);
    assertThat(plan.step("a").policy().enableCache()).isFalse();
    assertThat(plan.step("a").policy().timeout()).isEqualTo(java.time.Duration.ofSeconds(30));
  }

  @Test
  void badSetKeysAreOneLineErrorsNamingTheClosestKey() {
    assertThatThrownBy(() -> sets(List.of("orchestrator.pods.memroy=1")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "unknown key 'memroy' for --set orchestrator.pods: did you mean 'memory'? (valid keys: cpu, memory, placement)");
    assertThatThrownBy(() -> sets(List.of("orchestrator.pods.placement.nodeSelectr.disk=ssd")))
        .hasMessage(
            "unknown key 'nodeSelectr' for --set orchestrator.pods (placement): did you mean 'nodeSelector'? (valid keys: nodeSelector, priority)");
    assertThatThrownBy(() -> sets(List.of("orchestrator.pods.placement={\"priorty\": 1}")))
        .hasMessage(
            "unknown key 'priorty' for --set orchestrator.pods (placement): did you mean 'priority'? (valid keys: nodeSelector, priority)");
    assertThatThrownBy(() -> sets(List.of("orchestrator.podz.cpu=1")))
        .hasMessage(
            "unknown orchestrator flavor 'podz' in --set orchestrator.podz.cpu: did you mean 'pods'? (installed: other, pods)");
    assertThatThrownBy(() -> sets(List.of("orchestrater.pods.cpu=1")))
        .hasMessageStartingWith(
            "unknown component 'orchestrater' in --set orchestrater.pods.cpu: did you mean 'orchestrator'? (use <component>.<flavor>.<field>");
    assertThatThrownBy(() -> sets(List.of("enableCashe=false")))
        .hasMessageStartingWith(
            "unknown key 'enableCashe' for --set: did you mean 'enableCache'? (use a pipeline key: enableCache, failFast, maxParallelism, stepTimeout");
    assertThatThrownBy(() -> sets(List.of("orchestrator.pods.cpu=lots")))
        .hasMessage("key 'cpu' of --set orchestrator.pods expects a whole number, got 'lots'");
    assertThatThrownBy(() -> sets(List.of("orchestrator.pods.cpu.max=1")))
        .hasMessage(
            "'cpu' of --set orchestrator.pods is a integer, not an object: set it as a whole (cpu=JSON)");
    assertThatThrownBy(() -> sets(List.of("maxParallelism=-1")))
        .hasMessage(
            "invalid value for --set maxParallelism: maxParallelism must be 0 (no limit) or positive");
    assertThatThrownBy(() -> sets(List.of("orchestrator.pods.cpu")))
        .hasMessage(
            "--set expects KEY=VALUE such as orchestrator.local.maxParallelism=2, got 'orchestrator.pods.cpu'");
  }

  @Test
  void aSetForAFlavorNotInTheStackIsAWarning() {
    RunPlan plan =
        compile(
            PipelineSettings.DEFAULTS,
            List.of("orchestrator.other.cpu=4"),
            p -> p.step("a", SettingsResolutionTest::two));

    assertThat(json(plan, "a")).isEqualTo("{\"cpu\":1,\"memory\":512}");
    assertThat(warnings)
        .containsExactly(
            "setting 'orchestrator.other' of --set is ignored: stack 'prod' uses orchestrator flavor 'pods'");
  }

  @Test
  void aTypoInNestedSettingsIsAnErrorNamingTheClosestKey() {
    assertThatThrownBy(
            () ->
                compile(
                    PipelineSettings.DEFAULTS,
                    p ->
                        p.step("a", SettingsResolutionTest::two)
                            .configure(
                                s ->
                                    s.setting(
                                        "orchestrator.pods",
                                        Map.of(
                                            "placement",
                                            Map.of("nodeSelectr", Map.of("disk", "ssd")))))))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessage(
            "unknown key 'nodeSelectr' for setting 'orchestrator.pods' of step 'a' (placement): did you mean 'nodeSelector'? (valid keys: nodeSelector, priority)");
  }

  @Test
  void aResumeSetsOverEveryLevelOfTheStoredPlan() {
    RunPlan plan =
        compile(
            PipelineSettings.DEFAULTS,
            p -> {
              p.step("plain", SettingsResolutionTest::two);
              p.step("big", SettingsResolutionTest::two)
                  .configure(s -> s.setting("orchestrator.pods", Map.of("cpu", 8)));
            });

    RunPlan resumed =
        compiler.override(plan, stack(), sets(List.of("orchestrator.pods.memory=64")));

    assertThat(json(resumed, null)).isEqualTo("{\"cpu\":1,\"memory\":64}");
    assertThat(json(resumed, "big")).isEqualTo("{\"cpu\":8,\"memory\":64}");
    assertThat(resumed.steps())
        .extracting(s -> s.codeHash())
        .isEqualTo(plan.steps().stream().map(s -> s.codeHash()).toList());
    assertThatThrownBy(() -> compiler.override(plan, stack(), sets(List.of("enableCache=false"))))
        .hasMessage(
            "'enableCache' cannot change when a run resumes: it is fixed in the run's plan");
  }

  record LooseSettings(Integer cpu, Long memory, String zone) {}

  @Test
  void aFlavorsSettingsMustBeFieldsOfItsConfiguration() {
    Flavor<PodConfig> loose = new PodFlavor(LooseSettings.class);
    assertThat(SettingsResolver.settingsProblems(new PodFlavor())).isEmpty();
    assertThat(SettingsResolver.settingsProblems(loose))
        .containsExactly(
            "settings field 'memory' of orchestrator.pods is a java.lang.Long but the configuration's is a java.lang.Integer",
            "settings field 'zone' of orchestrator.pods (LooseSettings) is not a field of its configuration PodConfig");
    // enforced when a plan is compiled for a stack using it
    ComponentRecord c =
        new ComponentRecord(
            ComponentType.ORCHESTRATOR,
            "k8s",
            "pods",
            JsonNodeFactory.instance.objectNode(),
            Instant.EPOCH,
            null);
    ResolvedStack stack =
        new ResolvedStack(
            "prod", Map.of(ComponentType.ORCHESTRATOR, new ResolvedComponent(c, loose)));
    assertThatThrownBy(
            () ->
                compiler.compile(
                    new Inline(p -> p.step("a", SettingsResolutionTest::two)),
                    PipelineSettings.DEFAULTS,
                    stack))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("settings field 'memory' of orchestrator.pods is a java.lang.Long");
  }

  @Test
  void settingForAFlavorNotInTheStackIsAWarning() {
    RunPlan plan =
        compile(
            PipelineSettings.newBuilder()
                .setting("orchestrator.kubernetes", Map.of("cpu", 2))
                .build(),
            p -> p.step("a", SettingsResolutionTest::two));

    assertThat(plan.settings().get("orchestrator.pods").toString())
        .isEqualTo("{\"cpu\":1,\"memory\":512}");
    assertThat(warnings)
        .containsExactly(
            "setting 'orchestrator.kubernetes' of pipeline 'p' is ignored: stack 'prod' uses orchestrator flavor 'pods'");
  }

  @Test
  void malformedKeyIsAnError() {
    assertThatThrownBy(
            () ->
                compile(
                    PipelineSettings.DEFAULTS,
                    p ->
                        p.step("a", SettingsResolutionTest::two)
                            .configure(s -> s.setting("kubernetes", Map.of()))))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessage(
            "malformed setting key 'kubernetes' of step 'a': use '<component>.<flavor>' such as 'orchestrator.kubernetes' (components: orchestrator, artifact_store, container_registry)");
    assertThatThrownBy(
            () ->
                compile(
                    PipelineSettings.newBuilder().setting("scheduler.pods", Map.of()).build(),
                    p -> p.step("a", SettingsResolutionTest::two)))
        .hasMessageStartingWith("malformed setting key 'scheduler.pods' of pipeline 'p'");
  }

  @Test
  void unknownOrMistypedSettingFieldIsAnError() {
    assertThatThrownBy(
            () ->
                compile(
                    PipelineSettings.newBuilder()
                        .setting("orchestrator.pods", Map.of("cpus", 2))
                        .build(),
                    p -> p.step("a", SettingsResolutionTest::two)))
        .hasMessageStartingWith(
            "unknown key 'cpus' for setting 'orchestrator.pods' of pipeline 'p': did you mean 'cpu'?");
    assertThatThrownBy(
            () ->
                compile(
                    PipelineSettings.DEFAULTS,
                    p ->
                        p.step("a", SettingsResolutionTest::two)
                            .configure(s -> s.setting("orchestrator.pods", Map.of("cpu", "lots")))))
        .hasMessage(
            "key 'cpu' of setting 'orchestrator.pods' of step 'a' expects a whole number, got 'lots'");
  }

  @Test
  void settingsChangeThePlanHashButNotTheCacheRelevantCodeHash() {
    RunPlan a = compile(PipelineSettings.DEFAULTS, p -> p.step("a", SettingsResolutionTest::two));
    RunPlan b =
        compile(
            PipelineSettings.newBuilder().setting("orchestrator.pods", Map.of("cpu", 4)).build(),
            p -> p.step("a", SettingsResolutionTest::two));
    assertThat(a.hash()).isNotEqualTo(b.hash());
    assertThat(a.step("a").codeHash()).isEqualTo(b.step("a").codeHash());
  }
}
