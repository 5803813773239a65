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
 * stepServiceAccountName} (else {@code serviceAccountName}) and {@code podStartupTimeout} apply;
 * the other fields are read at pipeline level. See {@link KubernetesOrchestratorConfig} for each
 * field's meaning and default.
 *
 * @param podSettings scheduling, resources, env, volumes and metadata of step pods
 * @param orchestratorPodSettings the same for the orchestrator pod
 * @param serviceAccountName service account of the pods; null for the one Skiff creates
 * @param synchronous whether the client waits for the run and streams its logs (default true)
 * @param keepPods keep finished step pods for inspection (default false: deleted when done)
 * @param podStartupTimeout how long a pod may stay Pending before its step fails (default 5 min)
 * @param maxParallelism most step pods at once, 0 for no limit (pipeline level)
 * @param stepServiceAccountName service account of step pods; null for the orchestrator's
 * @param backoffLimit orchestrator pods started again after one failed (default 3)
 * @param ttlSecondsAfterFinished seconds a finished orchestrator Job is kept (default 7 days)
 * @param activeDeadlineSeconds longest the orchestrator Job may be active; null for no limit
 * @param concurrencyPolicy schedules: Forbid (default), Allow or Replace
 * @param startingDeadlineSeconds schedules: how late a missed firing may start; null for no limit
 * @param timeZone schedules: IANA time zone; null for the cluster's
 * @param successfulJobsHistoryLimit schedules: Jobs of successful runs kept (default 3)
 * @param failedJobsHistoryLimit schedules: Jobs of failed runs kept (default 1)
 * @param apiQps requests a second the orchestrator pod sends to the API server (default 20; 0 for
 *     no limit; watches and followed logs not counted)
 * @param apiBurst requests at once above {@code apiQps} after a quiet spell (default 30)
 */
public record KubernetesSettings(
    PodSettings podSettings,
    PodSettings orchestratorPodSettings,
    String serviceAccountName,
    Boolean synchronous,
    Boolean keepPods,
    Duration podStartupTimeout,
    Integer maxParallelism,
    String stepServiceAccountName,
    Integer backoffLimit,
    Integer ttlSecondsAfterFinished,
    Long activeDeadlineSeconds,
    String concurrencyPolicy,
    Long startingDeadlineSeconds,
    String timeZone,
    Integer successfulJobsHistoryLimit,
    Integer failedJobsHistoryLimit,
    Double apiQps,
    Integer apiBurst) {
  public static final String KEY = "orchestrator.kubernetes";

  /**
   * The settings of a configuration with nothing set: for plans that hold none (compiled without a
   * stack).
   */
  public static final KubernetesSettings DEFAULTS =
      SettingsResolver.fromConfig(
          new KubernetesOrchestratorConfig(
              null, null, null, null, null, null, null, null, null, null, null, null, null, null,
              null, null, null, null, null, null, null, null, null),
          KubernetesSettings.class);

  /** Unset fields take the configuration's defaults; values are checked as there. */
  public KubernetesSettings {
    podSettings = podSettings == null ? PodSettings.EMPTY : podSettings;
    orchestratorPodSettings =
        orchestratorPodSettings == null ? PodSettings.EMPTY : orchestratorPodSettings;
    JobSettings.checkServiceAccount("serviceAccountName", serviceAccountName);
    JobSettings.checkServiceAccount("stepServiceAccountName", stepServiceAccountName);
    backoffLimit = JobSettings.atLeast("backoffLimit", backoffLimit, JobSettings.BACKOFF_LIMIT, 0);
    ttlSecondsAfterFinished =
        JobSettings.atLeast(
            "ttlSecondsAfterFinished", ttlSecondsAfterFinished, JobSettings.TTL_AFTER_FINISHED, 0);
    JobSettings.positive("activeDeadlineSeconds", activeDeadlineSeconds);
    concurrencyPolicy = JobSettings.concurrencyPolicy(concurrencyPolicy);
    JobSettings.atLeast("startingDeadlineSeconds", startingDeadlineSeconds, 0);
    JobSettings.checkTimeZone(timeZone);
    successfulJobsHistoryLimit =
        JobSettings.atLeast(
            "successfulJobsHistoryLimit",
            successfulJobsHistoryLimit,
            JobSettings.SUCCESSFUL_JOBS_HISTORY,
            0);
    failedJobsHistoryLimit =
        JobSettings.atLeast(
            "failedJobsHistoryLimit", failedJobsHistoryLimit, JobSettings.FAILED_JOBS_HISTORY, 0);
    apiQps = KubernetesOrchestratorConfig.apiQps(apiQps);
    apiBurst = KubernetesOrchestratorConfig.apiBurst(apiBurst, apiQps);
  }

  /** Settings without {@code apiQps} and {@code apiBurst} (their defaults). */
  public KubernetesSettings(
      PodSettings podSettings,
      PodSettings orchestratorPodSettings,
      String serviceAccountName,
      Boolean synchronous,
      Boolean keepPods,
      Duration podStartupTimeout,
      Integer maxParallelism,
      String stepServiceAccountName,
      Integer backoffLimit,
      Integer ttlSecondsAfterFinished,
      Long activeDeadlineSeconds,
      String concurrencyPolicy,
      Long startingDeadlineSeconds,
      String timeZone,
      Integer successfulJobsHistoryLimit,
      Integer failedJobsHistoryLimit) {
    this(
        podSettings,
        orchestratorPodSettings,
        serviceAccountName,
        synchronous,
        keepPods,
        podStartupTimeout,
        maxParallelism,
        stepServiceAccountName,
        backoffLimit,
        ttlSecondsAfterFinished,
        activeDeadlineSeconds,
        concurrencyPolicy,
        startingDeadlineSeconds,
        timeZone,
        successfulJobsHistoryLimit,
        failedJobsHistoryLimit,
        null,
        null);
  }

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

  /**
   * The service account of a step pod with these (step) settings: {@code stepServiceAccountName},
   * else {@code serviceAccountName}, else the one Skiff creates.
   */
  public String effectiveStepServiceAccount() {
    return stepServiceAccountName != null ? stepServiceAccountName : effectiveServiceAccount();
  }

  /** The service account of the orchestrator pod: the one named, or the one Skiff creates. */
  public String effectiveServiceAccount() {
    return serviceAccountName != null
        ? serviceAccountName
        : KubernetesOrchestratorConfig.DEFAULT_SERVICE_ACCOUNT;
  }
}
