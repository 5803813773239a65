package dev.skiff.core.spi;

import dev.skiff.sdk.FailureKind;

/**
 * An attempt tried to publish outputs after another attempt of its step took over (the run was
 * resumed, or its orchestrator restarted and gave up on it): nothing was written, and the attempt
 * must end.
 */
public final class StaleAttemptException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StaleAttemptException(String runId, String step) {
    super(
        "attempt of step '"
            + step
            + "' in run "
            + runId
            + " is no longer the current one: its outputs were not recorded");
  }

  /** As a step failure: the attempt was cancelled by the one that replaced it. */
  public StepFailedException asFailure() {
    return new StepFailedException(FailureKind.CANCELLED, getMessage(), this);
  }
}
