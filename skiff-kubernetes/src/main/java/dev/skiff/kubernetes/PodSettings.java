package dev.skiff.kubernetes;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import java.util.Map;

/**
 * Where and how a pod runs: scheduling (node selector, affinity, tolerations), resources (requests
 * and limits; {@code gpus} adds an {@code nvidia.com/gpu} limit), environment, volumes, and
 * metadata. Fields are fabric8 model objects, so settings may be given as those objects or as plain
 * maps in Kubernetes' own field names (as in a manifest). Unset fields add nothing.
 *
 * @param gpus number of NVIDIA GPUs ({@code nvidia.com/gpu} limit); null for none
 * @param automountServiceAccountToken whether a step pod mounts its service account's API token
 *     (default false: steps talk to the stores, never to the API); the orchestrator pod always
 *     mounts it
 * @param envFrom whole ConfigMaps or Secrets as environment variables ({@code configMapRef}, {@code
 *     secretRef}, optional {@code prefix}); a missing one fails the step at once with the kubelet's
 *     message
 * @param imagePullSecrets more Secrets for pulling the image, after the configuration's
 * @param schedulerName the scheduler that places the pod; null for the cluster's default
 * @param priorityClassName the pod's PriorityClass; null for the cluster's default
 * @param securityContext the container's security context, merged field by field over Skiff's
 *     (non-root, read-only root file system, no privilege escalation, all capabilities dropped,
 *     seccomp {@code RuntimeDefault}); only what the restricted Pod Security profile admits, unless
 *     {@code allowPrivileged}
 * @param allowPrivileged lets these pods leave the restricted Pod Security profile (default false):
 *     privileged containers, added capabilities other than {@code NET_BIND_SERVICE}, root,
 *     privilege escalation, unconfined seccomp or AppArmor, and the host's network, PID or IPC
 *     namespace through {@code additionalPodSpec}. The namespace must admit such pods
 * @param additionalPodSpec fields of the Kubernetes {@code PodSpec} that Skiff has no setting for
 *     ({@code dnsConfig}, {@code topologySpreadConstraints}, {@code hostAliases}, ...), added to
 *     the pod spec as given; unknown fields, and fields Skiff sets itself, are refused
 */
public record PodSettings(
    Map<String, String> nodeSelector,
    Affinity affinity,
    List<Toleration> tolerations,
    ResourceRequirements resources,
    Integer gpus,
    List<EnvVar> env,
    List<Volume> volumes,
    List<VolumeMount> volumeMounts,
    Map<String, String> annotations,
    Map<String, String> labels,
    Boolean automountServiceAccountToken,
    List<EnvFromSource> envFrom,
    List<String> imagePullSecrets,
    String schedulerName,
    String priorityClassName,
    SecurityContext securityContext,
    Boolean allowPrivileged,
    PodSpec additionalPodSpec) {
  public static final PodSettings EMPTY =
      new PodSettings(
          null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null);

  public PodSettings {
    nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    env = env == null ? List.of() : List.copyOf(env);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    volumeMounts = volumeMounts == null ? List.of() : List.copyOf(volumeMounts);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    envFrom = envFrom == null ? List.of() : List.copyOf(envFrom);
    imagePullSecrets = imagePullSecrets == null ? List.of() : List.copyOf(imagePullSecrets);
    if (gpus != null && gpus < 0) {
      throw new IllegalArgumentException("gpus must be 0 or positive, got " + gpus);
    }
    for (String reserved :
        List.of(
            "run",
            "pipeline",
            "step",
            "skiff.dev/run",
            "skiff.dev/map-index",
            "app.kubernetes.io/managed-by")) {
      if (labels.containsKey(reserved)) {
        throw new IllegalArgumentException(
            "label '" + reserved + "' is set by Skiff and cannot be changed in pod settings");
      }
    }
    for (var v : volumeMounts) {
      if (v.getName() == null || v.getMountPath() == null) {
        throw new IllegalArgumentException("every volume mount needs a name and a mountPath");
      }
    }
    boolean privileged = Boolean.TRUE.equals(allowPrivileged);
    PodSettingsChecks.checkVolumes(volumes, privileged);
    PodSettingsChecks.checkSecurityContext(securityContext, privileged);
    PodSettingsChecks.checkAdditionalPodSpec(additionalPodSpec, privileged);
  }

  /** Pod settings without a security context or additional pod spec fields. */
  public PodSettings(
      Map<String, String> nodeSelector,
      Affinity affinity,
      List<Toleration> tolerations,
      ResourceRequirements resources,
      Integer gpus,
      List<EnvVar> env,
      List<Volume> volumes,
      List<VolumeMount> volumeMounts,
      Map<String, String> annotations,
      Map<String, String> labels,
      Boolean automountServiceAccountToken,
      List<EnvFromSource> envFrom,
      List<String> imagePullSecrets,
      String schedulerName,
      String priorityClassName) {
    this(
        nodeSelector,
        affinity,
        tolerations,
        resources,
        gpus,
        env,
        volumes,
        volumeMounts,
        annotations,
        labels,
        automountServiceAccountToken,
        envFrom,
        imagePullSecrets,
        schedulerName,
        priorityClassName,
        null,
        null,
        null);
  }
}
