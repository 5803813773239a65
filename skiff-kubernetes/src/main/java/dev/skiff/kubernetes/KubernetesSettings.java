package dev.skiff.kubernetes;

import java.time.Duration;

/**
 * Settings of the {@code kubernetes} orchestrator ({@code "orchestrator.kubernetes"}), per
 * pipeline or per step; they override the component's configuration field by field. At step level
 * only {@code podSettings}, {@code serviceAccountName} and {@code podStartupTimeout} apply.
 *
 * @param podSettings scheduling, resources, env, volumes and metadata of step pods
 * @param orchestratorPodSettings the same for the orchestrator pod
 * @param serviceAccountName service account of the pods; null for the component's (or the one
 *     Skiff creates)
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

  /** No settings: everything comes from the component's configuration. */
  public static final KubernetesSettings NONE = new KubernetesSettings(null, null, null, null, null, null, null);

  /** The settings resolved into a plan (pipeline level, or a step's), or {@link #NONE}. */
  public static KubernetesSettings of(java.util.Optional<com.fasterxml.jackson.databind.JsonNode> resolved) {
    return resolved.map(j -> dev.skiff.core.internal.Json.mapper().convertValue(j, KubernetesSettings.class)).orElse(NONE);
  }
}
