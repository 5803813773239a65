package dev.skiff.core;

/** A step attempt failed; the message is what users see next to the step (one line). */
public final class StepFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StepFailedException(String message) {
    super(message);
  }

  public StepFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
