package dev.skiff.local;

import java.util.List;

/**
 * Configuration and settings of the {@code local} orchestrator flavor: one record, so the settings
 * ({@code "orchestrator.local"}) are exactly the configuration's fields. Defaults: steps in
 * threads, no parallelism limit beyond the pipeline's, no extra JVM flags for step processes. The
 * pipeline (or {@code --set}) may change all three; a step's {@code jvmArgs} apply to its own
 * process ({@code isolation} and {@code maxParallelism} are read at pipeline level).
 *
 * @param isolation where steps run: {@code thread} (default) or {@code process}
 * @param maxParallelism most steps at once, 0 (default) for no limit
 * @param jvmArgs JVM flags for step processes ({@code process} isolation only), e.g. {@code -Xmx2g}
 */
public record LocalOrchestratorConfig(
    Isolation isolation, Integer maxParallelism, List<String> jvmArgs) {
  public static final LocalOrchestratorConfig DEFAULTS =
      new LocalOrchestratorConfig(Isolation.THREAD, 0, List.of());

  public LocalOrchestratorConfig {
    isolation = isolation == null ? Isolation.THREAD : isolation;
    maxParallelism = maxParallelism == null ? 0 : maxParallelism;
    if (maxParallelism < 0) {
      throw new IllegalArgumentException(
          "maxParallelism must be 0 (no limit) or positive, got " + maxParallelism);
    }
    jvmArgs = jvmArgs == null ? List.of() : List.copyOf(jvmArgs);
  }

  public LocalOrchestratorConfig withIsolation(Isolation newIsolation) {
    return new LocalOrchestratorConfig(newIsolation, maxParallelism, jvmArgs);
  }
}
