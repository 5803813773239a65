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
    PodSettings orchestratorPodSettings) {
  public static final String DEFAULT_NAMESPACE = "skiff";
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
    if (serviceAccountName != null
        && !serviceAccountName.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
      throw new IllegalArgumentException(
          "serviceAccountName '" + serviceAccountName + "' is not a valid name");
    }
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
  }

  /** The service account pods run as: the configured one, or the one Skiff creates. */
  public String effectiveServiceAccount() {
    return serviceAccountName != null ? serviceAccountName : DEFAULT_SERVICE_ACCOUNT;
  }
}
