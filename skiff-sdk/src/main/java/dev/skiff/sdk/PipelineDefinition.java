package dev.skiff.sdk;

/**
 * A pipeline: a DAG of typed steps declared in {@link #define(PipelineBuilder)}.
 *
 * <p>Implementations need a public no-argument constructor: a step process or pod re-creates the
 * definition to find a step's code by (pipeline class, step name).
 */
public interface PipelineDefinition {

  /** Declares the steps and their wiring. Called once per compile; must be side-effect free. */
  void define(PipelineBuilder pipeline);

  /**
   * The pipeline name used in run history, image tags and pod labels. Default: the class name in
   * snake_case, e.g. {@code DigitsPipeline} becomes {@code digits_pipeline}.
   */
  default String name() {
    return Names.snakeCase(getClass().getSimpleName());
  }

  /**
   * The pipeline's own settings (caching, retries, component settings such as {@code
   * "orchestrator.kubernetes"} or {@code "container_registry.default"}); {@code skiff run} options
   * and {@link Pipeline#settings} change them further. Default: {@link PipelineSettings#DEFAULTS}.
   */
  default PipelineSettings settings() {
    return PipelineSettings.DEFAULTS;
  }
}
