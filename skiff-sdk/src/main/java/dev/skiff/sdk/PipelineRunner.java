package dev.skiff.sdk;

/**
 * Service provider that runs a pipeline on the active stack; found with {@link
 * java.util.ServiceLoader}. The Skiff runtime ({@code skiff-cli}) provides it.
 */
public interface PipelineRunner {
  RunResult run(PipelineDefinition definition, PipelineSettings settings);

  /** Runs with the run configuration files of {@code Pipeline.withConfig}, later ones winning. */
  default RunResult run(
      PipelineDefinition definition,
      PipelineSettings settings,
      java.util.List<java.nio.file.Path> configs) {
    if (!configs.isEmpty()) {
      throw new UnsupportedOperationException("this runtime cannot apply run configuration files");
    }
    return run(definition, settings);
  }

  /** Schedules with the run configuration files of {@code Pipeline.withConfig}. */
  default void schedule(
      PipelineDefinition definition,
      PipelineSettings settings,
      java.util.List<java.nio.file.Path> configs,
      Schedule schedule) {
    if (!configs.isEmpty()) {
      throw new UnsupportedOperationException("this runtime cannot apply run configuration files");
    }
    schedule(definition, settings, schedule);
  }

  /** Makes the active stack's orchestrator run the pipeline on {@code schedule}. */
  default void schedule(
      PipelineDefinition definition, PipelineSettings settings, Schedule schedule) {
    throw new UnsupportedOperationException("this runtime cannot schedule pipelines");
  }
}
