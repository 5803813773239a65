package dev.skiff.sdk;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
  private final List<Path> configs;

  private Pipeline(PipelineDefinition definition, PipelineSettings settings, List<Path> configs) {
    this.definition = Objects.requireNonNull(definition, "definition");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.configs = List.copyOf(configs);
  }

  /** The pipeline with its own {@link PipelineDefinition#settings()}. */
  public static Pipeline of(PipelineDefinition definition) {
    return new Pipeline(definition, definition.settings(), List.of());
  }

  /** A copy with changed settings. */
  public Pipeline settings(Consumer<PipelineSettings.Builder> change) {
    PipelineSettings.Builder b = settings.toBuilder();
    change.accept(b);
    return new Pipeline(definition, b.build(), configs);
  }

  /**
   * A copy that runs with the run configuration in {@code file} (YAML, or JSON for {@code *.json}):
   * parameter values and settings by step name, over the code's, as {@code skiff run --config FILE}
   * does (docs/cli.md). The file is read and checked when the pipeline runs; given several times,
   * later files win.
   */
  public Pipeline withConfig(Path file) {
    List<Path> all = new ArrayList<>(configs);
    all.add(Objects.requireNonNull(file, "file"));
    return new Pipeline(definition, settings, all);
  }

  /** The run configuration files given with {@link #withConfig}, in order. */
  public List<Path> configs() {
    return configs;
  }

  public PipelineDefinition definition() {
    return definition;
  }

  public PipelineSettings settings() {
    return settings;
  }

  /** Runs on the active stack and waits for the end when the orchestrator is synchronous. */
  public RunResult run() {
    return runner().run(definition, settings, configs);
  }

  /**
   * Runs on {@code schedule} from now on, e.g. {@code run(Schedule.cron("0 3 * * *"))}: on
   * Kubernetes a CronJob. Returns once the schedule is in place.
   */
  public void run(Schedule schedule) {
    runner().schedule(definition, settings, configs, schedule);
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
