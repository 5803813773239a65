package dev.skiff.kubernetes;

import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.stack.SettingsResolver;
import java.time.Duration;

/**
 * Settings of the {@code kubernetes} orchestrator ({@code "orchestrator.kubernetes"}), per pipeline
 * or per step: a part of {@link KubernetesOrchestratorConfig} (every field is a configuration field
 * of the same name and type, which gives its default). {@code SettingsResolver} resolves
 * configuration &lt; pipeline &lt; {@code --set} &lt; step field by field into the plan, complete;
 * the orchestrator reads them from there. At step level only {@code podSettings}, {@code
 * serviceAccountName} and {@code podStartupTimeout} apply; the other fields are read at pipeline
 * level.
 *
 * @param podSettings scheduling, resources, env, volumes and metadata of step pods
 * @param orchestratorPodSettings the same for the orchestrator pod
 * @param serviceAccountName service account of the pods; null for the one Skiff creates
 * @param synchronous whether the client waits for the run and streams its logs (default true)
 * @param keepPods keep finished step pods for inspection (default false: deleted when done)
 * @param podStartupTimeout how long a pod may stay Pending before its step fails (default 5 min)
 * @param maxParallelism most step pods at once, 0 for no limit (pipeline level)
 */
public record KubernetesSettings(
    PodSettings podSettings,
    PodSettings orchestratorPodSettings,
    String serviceAccountName,
    Boolean synchronous,
    Boolean keepPods,
    Duration podStartupTimeout,
    Integer maxParallelism) {
  public static final String KEY = "orchestrator.kubernetes";

  /**
   * The settings of a configuration with nothing set: for plans that hold none (compiled without a
   * stack).
   */
  public static final KubernetesSettings DEFAULTS =
      SettingsResolver.fromConfig(
          new KubernetesOrchestratorConfig(
              null, null, null, null, null, null, null, null, null, null, null, null),
          KubernetesSettings.class);

  /**
   * The run's settings (pipeline level) as resolved into {@code plan}; {@code config}'s for a plan
   * compiled without a stack.
   */
  public static KubernetesSettings of(RunPlan plan, KubernetesOrchestratorConfig config) {
    return plan.setting(KEY, KubernetesSettings.class)
        .orElseGet(() -> SettingsResolver.fromConfig(config, KubernetesSettings.class));
  }

  /**
   * {@code step}'s settings as resolved into its plan; {@code run}'s for a plan compiled without a
   * stack.
   */
  public static KubernetesSettings of(PlanStep step, KubernetesSettings run) {
    return step.setting(KEY, KubernetesSettings.class).orElse(run);
  }

  /** The service account pods run as: the one named, or the one Skiff creates. */
  public String effectiveServiceAccount() {
    return serviceAccountName != null
        ? serviceAccountName
        : KubernetesOrchestratorConfig.DEFAULT_SERVICE_ACCOUNT;
  }
}
