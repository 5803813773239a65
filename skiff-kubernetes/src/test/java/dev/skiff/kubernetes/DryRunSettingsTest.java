package dev.skiff.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.plan.PipelineDefinitionException;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.Flavors;
import dev.skiff.core.stack.ResolvedComponent;
import dev.skiff.core.stack.ResolvedStack;
import dev.skiff.core.stack.SettingOverrides;
import dev.skiff.core.stack.SettingsResolver;
import dev.skiff.kubernetes.internal.DryRun;
import dev.skiff.kubernetes.internal.KubernetesOrchestratorFlavor;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Dry runs render what the plan's resolved settings say: component configuration &lt; pipeline
 * settings &lt; {@code --set} &lt; step settings, the step's own for each step pod.
 */
class DryRunSettingsTest {
  public static final class TwoPools implements PipelineDefinition {
    @Override
    public String name() {
      return "pools";
    }

    static int plain() {
      return 1;
    }

    static int gpu() {
      return 2;
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("plain", TwoPools::plain);
      p.step("gpu", TwoPools::gpu)
          .configure(
              s ->
                  s.setting(
                      "orchestrator.kubernetes",
                      Map.of(
                          "podSettings",
                          Map.of("nodeSelector", Map.of("pool", "gpu")),
                          "serviceAccountName",
                          "gpu-runner",
                          "podStartupTimeout",
                          "20m")));
    }
  }

  static ObjectNode config() {
    ObjectNode config =
        JsonNodeFactory.instance
            .objectNode()
            .put("image", "registry.local/skiff:pools")
            .put("kubernetesNamespace", "ml");
    config.putObject("podSettings").putObject("nodeSelector").put("pool", "ml");
    return config;
  }

  static ResolvedStack stack() {
    var c =
        new ComponentRecord(
            ComponentType.ORCHESTRATOR, "k8s", "kubernetes", config(), Instant.EPOCH, null);
    return new ResolvedStack(
        "k8s",
        Map.of(
            ComponentType.ORCHESTRATOR,
            new ResolvedComponent(c, new KubernetesOrchestratorFlavor())));
  }

  static KubernetesOrchestratorConfig typedConfig() {
    return dev.skiff.core.internal.Json.mapper()
        .convertValue(config(), KubernetesOrchestratorConfig.class);
  }

  static SettingOverrides sets(String... sets) {
    return SettingOverrides.parse(
        Flavors.of(List.of(new KubernetesOrchestratorFlavor())),
        java.util.Arrays.stream(sets).map(SettingOverrides.Assignment::set).toList());
  }

  static RunPlan plan(PipelineSettings settings, SettingOverrides sets) {
    return new PlanCompiler(Materializers.of(List.of(AnyMaterializer.INSTANCE)))
        .compile(new TwoPools(), settings, stack(), sets);
  }

  static List<HasMetadata> manifests(RunPlan plan) {
    return DryRun.manifests(plan, typedConfig(), Optional.empty());
  }

  static Pod pod(List<HasMetadata> manifests, String step) {
    return manifests.stream()
        .filter(m -> m instanceof Pod p && step.equals(p.getMetadata().getLabels().get("step")))
        .map(Pod.class::cast)
        .findFirst()
        .orElseThrow();
  }

  static Job job(List<HasMetadata> manifests) {
    return manifests.stream()
        .filter(Job.class::isInstance)
        .map(Job.class::cast)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void stepSettingsOverridePipelineSettingsWhichOverrideTheConfiguration() {
    var configOnly = manifests(plan(PipelineSettings.DEFAULTS, SettingOverrides.NONE));
    assertThat(pod(configOnly, "plain").getSpec().getNodeSelector())
        .isEqualTo(Map.of("pool", "ml"));
    assertThat(pod(configOnly, "plain").getSpec().getServiceAccountName())
        .isEqualTo("skiff-service-account");
    assertThat(pod(configOnly, "gpu").getSpec().getNodeSelector()).isEqualTo(Map.of("pool", "gpu"));
    assertThat(pod(configOnly, "gpu").getSpec().getServiceAccountName()).isEqualTo("gpu-runner");
    assertThat(pod(configOnly, "gpu").getMetadata().getNamespace()).isEqualTo("ml");

    var pipeline =
        manifests(
            plan(
                PipelineSettings.newBuilder()
                    .setting(
                        "orchestrator.kubernetes",
                        Map.of(
                            "podSettings", Map.of("nodeSelector", Map.of("pool", "batch")),
                            "orchestratorPodSettings", Map.of("labels", Map.of("team", "vision"))))
                    .build(),
                SettingOverrides.NONE));
    assertThat(pod(pipeline, "plain").getSpec().getNodeSelector())
        .isEqualTo(Map.of("pool", "batch"));
    assertThat(pod(pipeline, "gpu").getSpec().getNodeSelector()).isEqualTo(Map.of("pool", "gpu"));
    assertThat(job(pipeline).getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("team", "vision");
  }

  @Test
  void setOverridesTheCodeAtPipelineLevelAndStepSettingsStillWin() {
    RunPlan plan =
        plan(
            PipelineSettings.newBuilder()
                .setting(
                    "orchestrator.kubernetes",
                    Map.of("podSettings", Map.of("nodeSelector", Map.of("pool", "batch"))))
                .build(),
            sets(
                "orchestrator.kubernetes.podSettings.nodeSelector.disk=ssd",
                "orchestrator.kubernetes.serviceAccountName=runner",
                "orchestrator.kubernetes.podStartupTimeout=90s"));
    var m = manifests(plan);

    assertThat(pod(m, "plain").getSpec().getNodeSelector())
        .isEqualTo(Map.of("pool", "batch", "disk", "ssd"));
    assertThat(pod(m, "plain").getSpec().getServiceAccountName()).isEqualTo("runner");
    assertThat(pod(m, "gpu").getSpec().getNodeSelector()).isEqualTo(Map.of("pool", "gpu"));
    assertThat(pod(m, "gpu").getSpec().getServiceAccountName()).isEqualTo("gpu-runner");
    assertThat(m)
        .noneMatch(
            o -> o.getKind().equals("ServiceAccount")); // a service account is named: no RBAC
    assertThat(
            plan.step("plain")
                .setting(KubernetesSettings.KEY, KubernetesSettings.class)
                .orElseThrow()
                .podStartupTimeout())
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(
            plan.step("gpu")
                .setting(KubernetesSettings.KEY, KubernetesSettings.class)
                .orElseThrow()
                .podStartupTimeout())
        .isEqualTo(Duration.ofMinutes(20));
  }

  @Test
  void podSecurityPassThroughAndApiRateResolveLikeEveryOtherSetting() {
    RunPlan plan =
        plan(
            PipelineSettings.newBuilder()
                .setting(
                    "orchestrator.kubernetes",
                    Map.of(
                        "podSettings",
                        Map.of(
                            "securityContext", Map.of("runAsUser", 1001),
                            "additionalPodSpec",
                                Map.of("dnsConfig", Map.of("searches", List.of("ml.svc"))))))
                .build(),
            sets(
                "orchestrator.kubernetes.podSettings.additionalPodSpec.terminationGracePeriodSeconds=5",
                "orchestrator.kubernetes.apiQps=50",
                "orchestrator.kubernetes.apiBurst=100"));
    var m = manifests(plan);

    var plain = pod(m, "plain").getSpec();
    assertThat(plain.getContainers().get(0).getSecurityContext().getRunAsUser()).isEqualTo(1001L);
    assertThat(plain.getDnsConfig().getSearches()).containsExactly("ml.svc");
    assertThat(plain.getTerminationGracePeriodSeconds()).isEqualTo(5L);
    // the gpu step's own pod settings replace the pipeline's
    assertThat(pod(m, "gpu").getSpec().getDnsConfig()).isNull();
    var run = plan.setting(KubernetesSettings.KEY, KubernetesSettings.class).orElseThrow();
    assertThat(run.apiQps()).isEqualTo(50.0);
    assertThat(run.apiBurst()).isEqualTo(100);
    // unset: the defaults, in the plan the orchestrator pod reads
    var defaults =
        plan(PipelineSettings.DEFAULTS, SettingOverrides.NONE)
            .setting(KubernetesSettings.KEY, KubernetesSettings.class)
            .orElseThrow();
    assertThat(defaults.apiQps()).isEqualTo(KubernetesOrchestratorConfig.DEFAULT_API_QPS);
    assertThat(defaults.apiBurst()).isEqualTo(KubernetesOrchestratorConfig.DEFAULT_API_BURST);
    assertThatThrownBy(
            () ->
                plan(
                    PipelineSettings.DEFAULTS,
                    sets("orchestrator.kubernetes.podSettings.additionalPodSpec.hostPID=true")))
        .hasMessageEndingWith(
            "additionalPodSpec.hostPID: true (the host's namespace) leaves the restricted Pod"
                + " Security profile: remove it, or set allowPrivileged: true in the same pod"
                + " settings if the namespace admits such pods");
  }

  @Test
  void aPlanWithoutSettingsRendersAsItsConfigurationSays() {
    RunPlan withStack = plan(PipelineSettings.DEFAULTS, SettingOverrides.NONE);
    RunPlan withoutStack =
        new RunPlan(
            withStack.version(),
            withStack.pipeline(),
            withStack.pipelineClass(),
            withStack.failFast(),
            withStack.maxParallelism(),
            "k8s",
            Map.of(),
            withStack.steps().stream()
                .map(
                    s ->
                        new dev.skiff.core.plan.PlanStep(
                            s.name(),
                            s.function(),
                            s.codeHash(),
                            s.inputs(),
                            s.outputs(),
                            s.recordOutput(),
                            s.after(),
                            s.policy(),
                            s.name().equals("gpu") ? s.settings() : Map.of()))
                .toList());

    assertThat(DryRun.yaml(manifests(withoutStack))).isEqualTo(DryRun.yaml(manifests(withStack)));
    assertThat(withStack.setting(KubernetesSettings.KEY, KubernetesSettings.class))
        .contains(SettingsResolver.fromConfig(typedConfig(), KubernetesSettings.class));
  }

  @Test
  void typosInNestedPodSettingsAreRefusedWithTheClosestKey() {
    assertThatThrownBy(
            () ->
                plan(
                    PipelineSettings.newBuilder()
                        .setting(
                            "orchestrator.kubernetes",
                            Map.of(
                                "podSettings", Map.of("affinity", Map.of("nodeAfinity", Map.of()))))
                        .build(),
                    SettingOverrides.NONE))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessageStartingWith(
            "unknown key 'nodeAfinity' for setting 'orchestrator.kubernetes' of pipeline 'pools' (podSettings.affinity): did you mean 'nodeAffinity'?");
    assertThatThrownBy(
            () ->
                plan(
                    PipelineSettings.newBuilder()
                        .setting(
                            "orchestrator.kubernetes",
                            Map.of(
                                "podSettings",
                                Map.of(
                                    "tolerations",
                                    List.of(Map.of("key", "gpu", "efect", "NoSchedule")))))
                        .build(),
                    SettingOverrides.NONE))
        .hasMessageStartingWith(
            "unknown key 'efect' for setting 'orchestrator.kubernetes' of pipeline 'pools' (podSettings.tolerations[0]): did you mean 'effect'?");
    assertThatThrownBy(() -> sets("orchestrator.kubernetes.podSettings.nodeSelectr.disk=ssd"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "unknown key 'nodeSelectr' for --set orchestrator.kubernetes (podSettings): did you mean 'nodeSelector'?");
    assertThatThrownBy(() -> sets("orchestrator.kubernetes.podSettings.resources.limts.cpu=2"))
        .hasMessageStartingWith(
            "unknown key 'limts' for --set orchestrator.kubernetes (podSettings.resources): did you mean 'limits'?");
    // Kubernetes' own names at any depth pass, in manifests as given
    var m =
        manifests(
            plan(
                PipelineSettings.DEFAULTS,
                sets(
                    "orchestrator.kubernetes.podSettings.resources.limits.cpu=2",
                    "orchestrator.kubernetes.podSettings.nodeSelector.kubernetes.io/arch=arm64")));
    assertThat(
            pod(m, "plain")
                .getSpec()
                .getContainers()
                .get(0)
                .getResources()
                .getLimits()
                .get("cpu")
                .toString())
        .isEqualTo("2");
    assertThat(pod(m, "plain").getSpec().getNodeSelector())
        .isEqualTo(Map.of("pool", "ml", "kubernetes.io/arch", "arm64"));
  }
}
