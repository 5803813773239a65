package dev.skiff.core.spi;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.sdk.RunStatus;
import java.time.Duration;

/** What happens during a run, sent to {@link RunListener}s; core never prints. */
public sealed interface RunEvent {
  String runId();

  record RunStarted(String runId, RunPlan plan, boolean resumed) implements RunEvent {}

  record StepStarted(String runId, String step, int attempt) implements RunEvent {}

  record StepLogLine(String runId, String step, String line) implements RunEvent {}

  record StepCached(String runId, String step, String fromRun) implements RunEvent {}

  record StepSucceeded(String runId, String step, int attempt, Duration took) implements RunEvent {}

  /** An attempt failed; {@code retryIn} is null when no retry follows. */
  record StepFailed(String runId, String step, int attempt, String error, Duration retryIn)
      implements RunEvent {}

  record StepSkipped(String runId, String step, String reason) implements RunEvent {}

  /** A step that was running or waiting to be retried when the run was stopped. */
  record StepStopped(String runId, String step, String reason) implements RunEvent {}

  /** A step whose outputs were kept from an earlier attempt of this same run (resume). */
  record StepReused(String runId, String step) implements RunEvent {}

  /** A line of a remote orchestrator's own output (not of a step), relayed as is. */
  record OrchestratorLine(String runId, String line) implements RunEvent {}

  record RunFinished(String runId, RunStatus status, String error, Duration took)
      implements RunEvent {}
}
