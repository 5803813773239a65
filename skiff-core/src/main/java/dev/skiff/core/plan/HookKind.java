package dev.skiff.core.plan;

import dev.skiff.sdk.RunStatus;

/** When a hook step runs: after the other steps, depending on how the run ended. */
public enum HookKind {
  ON_SUCCESS,
  ON_FAILURE,
  ALWAYS;

  /** Whether a hook of this kind runs after the steps ended with {@code outcome}. */
  public boolean runsAfter(RunStatus outcome) {
    return switch (this) {
      case ON_SUCCESS -> outcome == RunStatus.SUCCEEDED;
      case ON_FAILURE -> outcome == RunStatus.FAILED;
      case ALWAYS -> outcome == RunStatus.SUCCEEDED || outcome == RunStatus.FAILED;
    };
  }
}
