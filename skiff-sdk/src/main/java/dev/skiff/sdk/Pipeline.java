package dev.skiff.sdk;

import java.util.Objects;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * Entry point for running a pipeline from a user's own {@code main}: {@code Pipeline.of(new
 * DigitsPipeline()).settings(s -> s.enableCache(false)).run()}. Immutable.
 */
public final class Pipeline {
  private final PipelineDefinition definition;
  private final PipelineSettings settings;

  private Pipeline(PipelineDefinition definition, PipelineSettings settings) {
    this.definition = Objects.requireNonNull(definition, "definition");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** The pipeline with its own {@link PipelineDefinition#settings()}. */
  public static Pipeline of(PipelineDefinition definition) {
    return new Pipeline(definition, definition.settings());
  }

  /** A copy with changed settings. */
  public Pipeline settings(Consumer<PipelineSettings.Builder> change) {
    PipelineSettings.Builder b = settings.toBuilder();
    change.accept(b);
    return new Pipeline(definition, b.build());
  }

  public PipelineDefinition definition() {
    return definition;
  }

  public PipelineSettings settings() {
    return settings;
  }

  /** Runs on the active stack and waits for the end when the orchestrator is synchronous. */
  public RunResult run() {
    return runner().run(definition, settings);
  }

  /**
   * Runs on {@code schedule} from now on, e.g. {@code run(Schedule.cron("0 3 * * *"))}: on
   * Kubernetes a CronJob. Returns once the schedule is in place.
   */
  public void run(Schedule schedule) {
    runner().schedule(definition, settings, schedule);
  }

  private static PipelineRunner runner() {
    return ServiceLoader.load(PipelineRunner.class, Pipeline.class.getClassLoader())
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no Skiff runtime on the classpath: add the dependency dev.skiff:skiff-cli"));
  }
}
