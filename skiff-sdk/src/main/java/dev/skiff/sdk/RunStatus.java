package dev.skiff.sdk;

/** State of a pipeline run. */
public enum RunStatus {
  RUNNING,
  /** A stop was requested: running steps are being cancelled. */
  STOPPING,
  SUCCEEDED,
  FAILED,
  STOPPED;

  public boolean isFinal() {
    return this != RUNNING && this != STOPPING;
  }

  /** Process exit code of a run that ended in this state: 0 only for success. */
  public int exitCode() {
    return switch (this) {
      case SUCCEEDED -> 0;
      case FAILED -> 1;
      case STOPPED -> 130;
      case RUNNING, STOPPING -> 2;
    };
  }
}
