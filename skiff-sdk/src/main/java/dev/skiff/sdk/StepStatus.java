package dev.skiff.sdk;

/** State of one step within a run. */
public enum StepStatus {
  PENDING,
  RUNNING,
  SUCCEEDED,
  /** Outputs reused from an earlier run with the same cache key; the code did not run. */
  CACHED,
  FAILED,
  /** Not run because an upstream step failed or the run stopped early (fail fast). */
  SKIPPED,
  /** Was running, or waiting to be retried, when the run was stopped. */
  STOPPED;

  /** Whether downstream steps may use this step's outputs. */
  public boolean hasOutputs() {
    return this == SUCCEEDED || this == CACHED;
  }

  public boolean isFinal() {
    return this != PENDING && this != RUNNING;
  }
}
