package dev.skiff.cli.internal;

import dev.skiff.core.engine.RunConfig;
import dev.skiff.core.stack.Flavors;
import dev.skiff.core.stack.SettingOverrides;
import dev.skiff.core.stack.SettingOverrides.Assignment;
import dev.skiff.local.Isolation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The settings options of {@code skiff run} (and {@code skiff runs resume}): {@code --set
 * KEY=VALUE}, and the options that are shorthands for it, in this order, so a {@code --set} of the
 * same key wins: {@code --no-cache} ({@code enableCache=false}), {@code --continue-on-failure}
 * ({@code failFast=false}), {@code --isolation MODE} ({@code orchestrator.local.isolation=MODE})
 * and {@code --max-parallelism N} ({@code orchestrator.local.maxParallelism=N}). They are parsed
 * against the installed flavors and applied by the settings resolver, at pipeline level over the
 * pipeline's own settings.
 */
public record RunSettings(
    List<Assignment> assignments, List<String> parameters, List<Path> configs) {
  public static final RunSettings NONE = new RunSettings(List.of());

  public RunSettings {
    assignments = List.copyOf(assignments);
    parameters = List.copyOf(parameters);
    configs = List.copyOf(configs);
  }

  public RunSettings(List<Assignment> assignments) {
    this(assignments, List.of(), List.of());
  }

  /** With {@code -p STEP.PARAM=VALUE} and {@code --config FILE} options. */
  public RunSettings withConfig(List<String> parameters, List<Path> configs) {
    return new RunSettings(assignments, parameters, configs);
  }

  /**
   * The run configuration: {@code codeConfigs} (a main's {@code Pipeline.withConfig}), then the
   * {@code --config} files, then the settings options, then {@code -p}; later ones win.
   */
  public RunConfig config(Flavors flavors, List<Path> codeConfigs) {
    RunConfig.Builder b = RunConfig.newBuilder(flavors);
    codeConfigs.forEach(b::file);
    configs.forEach(b::file);
    return b.settings(assignments).parameters(parameters).build();
  }

  public static RunSettings of(
      boolean noCache,
      boolean continueOnFailure,
      Isolation isolation,
      Integer maxParallelism,
      List<String> sets) {
    List<Assignment> a = new ArrayList<>();
    if (noCache) {
      a.add(new Assignment("--no-cache", "enableCache=false"));
    }
    if (continueOnFailure) {
      a.add(new Assignment("--continue-on-failure", "failFast=false"));
    }
    if (isolation != null) {
      a.add(
          new Assignment(
              "--isolation",
              "orchestrator.local.isolation=" + isolation.name().toLowerCase(Locale.ROOT)));
    }
    if (maxParallelism != null) {
      a.add(
          new Assignment(
              "--max-parallelism", "orchestrator.local.maxParallelism=" + maxParallelism));
    }
    sets.forEach(s -> a.add(Assignment.set(s)));
    return new RunSettings(a);
  }

  /**
   * The assignments checked against {@code flavors}: an unknown key is an error naming the closest.
   */
  public SettingOverrides parse(Flavors flavors) {
    return SettingOverrides.parse(flavors, assignments);
  }
}
