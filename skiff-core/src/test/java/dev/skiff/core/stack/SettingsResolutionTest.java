package dev.skiff.core.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.plan.PipelineDefinitionException;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.engine.PlanCompilerTest;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Component config < pipeline settings < step settings, resolved into the plan. */
class SettingsResolutionTest {
  record PodConfig(String namespace, Integer cpu, Integer memory, String token) {}

  record PodSettings(Integer cpu, Integer memory) {}

  static final class PodFlavor implements Flavor<PodConfig> {
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
    public Class<PodSettings> settingsType() {
      return PodSettings.class;
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

  final List<String> warnings = new ArrayList<>();
  final PlanCompiler compiler = new PlanCompiler(Materializers.of(List.of(PlanCompilerTest.ANY)), warnings::add);

  static ResolvedStack stack() {
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    config.put("namespace", "ml").put("cpu", 1).put("memory", 512).put("token", "{{secret.k8s.token}}");
    ComponentRecord c = new ComponentRecord(ComponentType.ORCHESTRATOR, "k8s", "pods", config, Instant.EPOCH, null);
    return new ResolvedStack("prod", Map.of(ComponentType.ORCHESTRATOR, new ResolvedComponent(c, new PodFlavor())));
  }

  RunPlan compile(PipelineSettings settings, Consumer<PipelineBuilder> body) {
    return compiler.compile(new Inline(body), settings, stack());
  }

  @Test
  void stepOverridesPipelineOverridesComponent() {
    RunPlan plan =
        compile(
            PipelineSettings.newBuilder().setting("orchestrator.pods", Map.of("memory", 1024)).build(),
            p -> {
              p.step("plain", SettingsResolutionTest::two);
              p.step("big", SettingsResolutionTest::two).configure(s -> s.setting("orchestrator.pods", new PodSettings(8, null)));
            });

    assertThat(plan.stack()).isEqualTo("prod");
    assertThat(plan.settings().get("orchestrator.pods").toString()).isEqualTo("{\"cpu\":1,\"memory\":1024}");
    assertThat(plan.step("plain").settings().get("orchestrator.pods").toString()).isEqualTo("{\"cpu\":1,\"memory\":1024}");
    assertThat(plan.step("big").settings().get("orchestrator.pods").toString()).isEqualTo("{\"cpu\":8,\"memory\":1024}");
    assertThat(plan.toJson()).doesNotContain("token").doesNotContain("secret");
    assertThat(warnings).isEmpty();
  }

  @Test
  void settingForAFlavorNotInTheStackIsAWarning() {
    RunPlan plan = compile(PipelineSettings.newBuilder().setting("orchestrator.kubernetes", Map.of("cpu", 2)).build(), p -> p.step("a", SettingsResolutionTest::two));

    assertThat(plan.settings().get("orchestrator.pods").toString()).isEqualTo("{\"cpu\":1,\"memory\":512}");
    assertThat(warnings).containsExactly("setting 'orchestrator.kubernetes' of pipeline 'p' is ignored: stack 'prod' uses orchestrator flavor 'pods'");
  }

  @Test
  void malformedKeyIsAnError() {
    assertThatThrownBy(() -> compile(PipelineSettings.DEFAULTS, p -> p.step("a", SettingsResolutionTest::two).configure(s -> s.setting("kubernetes", Map.of()))))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessage("malformed setting key 'kubernetes' of step 'a': use '<component>.<flavor>' such as 'orchestrator.kubernetes' (components: orchestrator, artifact_store, container_registry)");
    assertThatThrownBy(() -> compile(PipelineSettings.newBuilder().setting("scheduler.pods", Map.of()).build(), p -> p.step("a", SettingsResolutionTest::two)))
        .hasMessageStartingWith("malformed setting key 'scheduler.pods' of pipeline 'p'");
  }

  @Test
  void unknownOrMistypedSettingFieldIsAnError() {
    assertThatThrownBy(() -> compile(PipelineSettings.newBuilder().setting("orchestrator.pods", Map.of("cpus", 2)).build(), p -> p.step("a", SettingsResolutionTest::two)))
        .hasMessageStartingWith("unknown key 'cpus' for setting 'orchestrator.pods' of pipeline 'p': did you mean 'cpu'?");
    assertThatThrownBy(() -> compile(PipelineSettings.DEFAULTS, p -> p.step("a", SettingsResolutionTest::two).configure(s -> s.setting("orchestrator.pods", Map.of("cpu", "lots")))))
        .hasMessage("key 'cpu' of setting 'orchestrator.pods' of step 'a' expects a whole number, got 'lots'");
  }

  @Test
  void settingsChangeThePlanHashButNotTheCacheRelevantCodeHash() {
    RunPlan a = compile(PipelineSettings.DEFAULTS, p -> p.step("a", SettingsResolutionTest::two));
    RunPlan b = compile(PipelineSettings.newBuilder().setting("orchestrator.pods", Map.of("cpu", 4)).build(), p -> p.step("a", SettingsResolutionTest::two));
    assertThat(a.hash()).isNotEqualTo(b.hash());
    assertThat(a.step("a").codeHash()).isEqualTo(b.step("a").codeHash());
  }
}
