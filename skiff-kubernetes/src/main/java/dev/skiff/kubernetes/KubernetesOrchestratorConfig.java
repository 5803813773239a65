package dev.skiff.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Configuration of the {@code kubernetes} orchestrator flavor.
 *
 * @param kubernetesContext kubeconfig context; null uses the current context, or the in-cluster
 *     configuration inside a pod
 * @param kubernetesNamespace namespace of all run objects (default {@code skiff}); must exist
 * @param serviceAccountName service account of the pods; null creates {@code skiff-service-account}
 *     with a least-privilege Role
 * @param synchronous the client waits for the run and streams its logs (default true)
 * @param image prebuilt image holding Skiff and the pipeline code (until the image builder lands)
 * @param imagePullSecrets names of Secrets used to pull the image
 * @param maxParallelism most step pods at once, 0 (default) for no limit
 * @param keepPods keep finished step pods (default false)
 * @param podStartupTimeout how long a step pod may stay Pending (default 5 min)
 * @param metadataUrl JDBC URL the pods use to reach the metadata store (put credentials in a secret
 *     reference); handed to pods in a Secret, never in plain env or args
 * @param podSettings pod settings of step pods
 * @param orchestratorPodSettings pod settings of the orchestrator pod
 * @param stepServiceAccountName service account of step pods; null for the orchestrator's ({@code
 *     serviceAccountName}, or the one Skiff creates). Step pods mount no API token unless their pod
 *     settings set {@code automountServiceAccountToken}
 * @param backoffLimit how often the orchestrator Job starts a new orchestrator pod after one failed
 *     (default 3); disruptions (eviction, preemption, node drain) do not count
 * @param ttlSecondsAfterFinished seconds after which a finished orchestrator Job, and with it its
 *     pods and Secret, is deleted (default 604800: 7 days)
 * @param activeDeadlineSeconds longest a run's orchestrator Job may be active, in seconds; null
 *     (default) for no limit
 * @param concurrencyPolicy what a schedule does when it fires while its previous run still runs:
 *     {@code Forbid} (default: skip this firing), {@code Allow}, {@code Replace}
 * @param startingDeadlineSeconds how late a schedule may start a firing it missed (controller down,
 *     {@code Forbid}), in seconds; null (default) for no limit
 * @param timeZone IANA time zone of schedules (e.g. {@code Europe/Paris}); null (default) for the
 *     cluster's (the kube-controller-manager's, usually UTC)
 * @param successfulJobsHistoryLimit finished Jobs of successful scheduled runs kept (default 3)
 * @param failedJobsHistoryLimit finished Jobs of failed scheduled runs kept (default 1)
 * @param apiQps requests a second the orchestrator pod sends to the Kubernetes API server (default
 *     20, as kube-controller-manager and Argo Workflows' controller); 0 for no limit. Watches and
 *     followed logs are not counted
 * @param apiBurst requests the orchestrator pod may send at once above {@code apiQps} after a quiet
 *     spell (default 30, as kube-controller-manager); at least 1 when {@code apiQps} is positive
 */
public record KubernetesOrchestratorConfig(
    String kubernetesContext,
    String kubernetesNamespace,
    String serviceAccountName,
    Boolean synchronous,
    String image,
    List<String> imagePullSecrets,
    Integer maxParallelism,
    Boolean keepPods,
    Duration podStartupTimeout,
    String metadataUrl,
    PodSettings podSettings,
    PodSettings orchestratorPodSettings,
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
  public static final String DEFAULT_NAMESPACE = "skiff";

  /**
   * The defaults of kube-controller-manager's {@code --kube-api-qps} and {@code --kube-api-burst}
   * (and of Argo Workflows' controller): what the controller that makes a Job's pods is allowed, so
   * one run's orchestrator loads the API server no more than one such controller does.
   */
  public static final double DEFAULT_API_QPS = 20;

  public static final int DEFAULT_API_BURST = 30;

  public static final String DEFAULT_SERVICE_ACCOUNT = "skiff-service-account";
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  public KubernetesOrchestratorConfig {
    kubernetesNamespace = kubernetesNamespace == null ? DEFAULT_NAMESPACE : kubernetesNamespace;
    if (kubernetesNamespace.length() > 63 || !DNS_LABEL.matcher(kubernetesNamespace).matches()) {
      throw new IllegalArgumentException(
          "kubernetesNamespace '"
              + kubernetesNamespace
              + "' is not a valid namespace name (lower-case letters, digits, '-')");
    }
    JobSettings.checkServiceAccount("serviceAccountName", serviceAccountName);
    JobSettings.checkServiceAccount("stepServiceAccountName", stepServiceAccountName);
    synchronous = synchronous == null ? Boolean.TRUE : synchronous;
    imagePullSecrets = imagePullSecrets == null ? List.of() : List.copyOf(imagePullSecrets);
    maxParallelism = maxParallelism == null ? 0 : maxParallelism;
    if (maxParallelism < 0) {
      throw new IllegalArgumentException(
          "maxParallelism must be 0 (no limit) or positive, got " + maxParallelism);
    }
    keepPods = keepPods == null ? Boolean.FALSE : keepPods;
    podStartupTimeout = podStartupTimeout == null ? Duration.ofMinutes(5) : podStartupTimeout;
    if (podStartupTimeout.isNegative() || podStartupTimeout.isZero()) {
      throw new IllegalArgumentException("podStartupTimeout must be positive");
    }
    podSettings = podSettings == null ? PodSettings.EMPTY : podSettings;
    orchestratorPodSettings =
        orchestratorPodSettings == null ? PodSettings.EMPTY : orchestratorPodSettings;
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
    apiQps = apiQps(apiQps);
    apiBurst = apiBurst(apiBurst, apiQps);
  }

  /** A configuration without {@code apiQps} and {@code apiBurst} (their defaults). */
  public KubernetesOrchestratorConfig(
      String kubernetesContext,
      String kubernetesNamespace,
      String serviceAccountName,
      Boolean synchronous,
      String image,
      List<String> imagePullSecrets,
      Integer maxParallelism,
      Boolean keepPods,
      Duration podStartupTimeout,
      String metadataUrl,
      PodSettings podSettings,
      PodSettings orchestratorPodSettings,
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
        kubernetesContext,
        kubernetesNamespace,
        serviceAccountName,
        synchronous,
        image,
        imagePullSecrets,
        maxParallelism,
        keepPods,
        podStartupTimeout,
        metadataUrl,
        podSettings,
        orchestratorPodSettings,
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

  /** {@code apiQps} or its default, checked. */
  static Double apiQps(Double value) {
    double v = value == null ? DEFAULT_API_QPS : value;
    if (v < 0 || Double.isNaN(v) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(
          "apiQps must be 0 (no limit) or a positive number of requests a second, got " + value);
    }
    return v;
  }

  /** {@code apiBurst} or its default, checked against {@code apiQps}. */
  static Integer apiBurst(Integer value, double apiQps) {
    int v = value == null ? DEFAULT_API_BURST : value;
    if (v < 1 && apiQps > 0) {
      throw new IllegalArgumentException(
          "apiBurst must be 1 or more while apiQps limits requests, got "
              + v
              + "; set apiQps to 0 for no limit");
    }
    return v;
  }

  /** The service account pods run as: the configured one, or the one Skiff creates. */
  public String effectiveServiceAccount() {
    return serviceAccountName != null ? serviceAccountName : DEFAULT_SERVICE_ACCOUNT;
  }
}
