package dev.skiff.local;

import java.util.List;
import java.util.Objects;

/**
 * Configuration of the local orchestrator. Defaults: steps in threads, no parallelism limit
 * beyond the pipeline's, no extra JVM flags for step processes.
 *
 * @param isolation where steps run
 * @param maxParallelism most steps at once, 0 for no limit
 * @param jvmArgs JVM flags for step processes ({@link Isolation#PROCESS} only)
 */
public record LocalOrchestratorConfig(Isolation isolation, int maxParallelism, List<String> jvmArgs) {
  public static final LocalOrchestratorConfig DEFAULTS = new LocalOrchestratorConfig(Isolation.THREAD, 0, List.of());

  public LocalOrchestratorConfig {
    Objects.requireNonNull(isolation, "isolation");
    if (maxParallelism < 0) {
      throw new IllegalArgumentException("maxParallelism must be 0 (no limit) or positive");
    }
    jvmArgs = List.copyOf(jvmArgs);
  }

  public LocalOrchestratorConfig withIsolation(Isolation newIsolation) {
    return new LocalOrchestratorConfig(newIsolation, maxParallelism, jvmArgs);
  }
}
