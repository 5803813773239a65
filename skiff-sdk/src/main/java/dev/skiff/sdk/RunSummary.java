package dev.skiff.sdk;

import java.time.Duration;
import java.util.List;

/**
 * What a hook ({@link PipelineBuilder#onFailure}, {@link PipelineBuilder#onSuccess}, {@link
 * PipelineBuilder#always}) receives: how the run ended, before the hooks ran.
 *
 * @param status {@code SUCCEEDED} or {@code FAILED}: the run's outcome, which the hooks cannot
 *     change
 * @param failedStep the step whose failure failed the run (the first one), null unless failed; for
 *     a map, the instance, e.g. {@code score[3]}
 * @param error the run's error, e.g. {@code step 'train' failed: IllegalStateException: diverged},
 *     null unless failed
 * @param duration from the start of the run (of this resume) to the start of the hooks
 * @param steps every step but the hooks, map instances included, in plan order
 */
public record RunSummary(
    String runId,
    String pipeline,
    RunStatus status,
    String failedStep,
    String error,
    Duration duration,
    List<Step> steps) {
  public RunSummary {
    steps = List.copyOf(steps);
  }

  /**
   * One step as it ended.
   *
   * @param attempt its last attempt (0 if it never ran)
   * @param duration of its last attempt; null if it did not run in this drive of the run
   * @param error why it failed or was skipped; null otherwise
   */
  public record Step(
      String name, StepStatus status, int attempt, Duration duration, String error) {}

  /** The step named {@code name}, if the run has it. */
  public java.util.Optional<Step> step(String name) {
    return steps.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
