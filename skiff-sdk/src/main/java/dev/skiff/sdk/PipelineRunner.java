package dev.skiff.sdk;

/**
 * Service provider that runs a pipeline on the active stack; found with {@link
 * java.util.ServiceLoader}. The Skiff runtime ({@code skiff-cli}) provides it.
 */
public interface PipelineRunner {
  RunResult run(PipelineDefinition definition, PipelineSettings settings);

  /** Makes the active stack's orchestrator run the pipeline on {@code schedule}. */
  default void schedule(
      PipelineDefinition definition, PipelineSettings settings, Schedule schedule) {
    throw new UnsupportedOperationException("this runtime cannot schedule pipelines");
  }
}
