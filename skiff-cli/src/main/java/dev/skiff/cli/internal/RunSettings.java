package dev.skiff.cli.internal;

import dev.skiff.core.stack.Flavors;
import dev.skiff.core.stack.SettingOverrides;
import dev.skiff.core.stack.SettingOverrides.Assignment;
import dev.skiff.local.Isolation;
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
public record RunSettings(List<Assignment> assignments) {
  public static final RunSettings NONE = new RunSettings(List.of());

  public RunSettings {
    assignments = List.copyOf(assignments);
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
