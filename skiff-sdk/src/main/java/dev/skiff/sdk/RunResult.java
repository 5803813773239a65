package dev.skiff.sdk;

import java.util.Map;

/** What a finished (or, for asynchronous orchestrators, submitted) run reports back. */
public record RunResult(
    String runId, String pipeline, RunStatus status, Map<String, StepStatus> steps) {
  public RunResult {
    steps = Map.copyOf(steps);
  }

  public boolean succeeded() {
    return status == RunStatus.SUCCEEDED;
  }
}
