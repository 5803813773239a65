package dev.skiff.core.spi;

import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;

/**
 * One attempt of a step to start: the plan, the run, the step, the attempt number, its log, and the
 * attempt's token — only the attempt holding the step's current token may publish its outputs
 * ({@link MetadataStore#publishOutputs}); null for none (no fencing).
 */
public record StepLaunch(
    RunPlan plan, String runId, PlanStep step, int attempt, StepLogSink log, String token) {
  public StepLaunch(RunPlan plan, String runId, PlanStep step, int attempt, StepLogSink log) {
    this(plan, runId, step, attempt, log, null);
  }
}
