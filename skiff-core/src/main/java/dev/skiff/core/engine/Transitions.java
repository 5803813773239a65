package dev.skiff.core.engine;

import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The one table of status changes a run and its steps may make. {@link RunState} moves every status
 * through it; a change the table does not list is a bug and fails loudly.
 */
public final class Transitions {
  private static final Map<StepStatus, Set<StepStatus>> STEP = new EnumMap<>(StepStatus.class);
  private static final Map<RunStatus, Set<RunStatus>> RUN = new EnumMap<>(RunStatus.class);

  static {
    STEP.put(
        StepStatus.PENDING, EnumSet.of(StepStatus.RUNNING, StepStatus.CACHED, StepStatus.SKIPPED));
    // RUNNING → RUNNING: the next attempt of a retried step
    STEP.put(
        StepStatus.RUNNING,
        EnumSet.of(
            StepStatus.RUNNING, StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.STOPPED));
    for (StepStatus s : StepStatus.values()) {
      STEP.putIfAbsent(s, EnumSet.noneOf(StepStatus.class));
    }
    RUN.put(
        RunStatus.RUNNING,
        EnumSet.of(RunStatus.STOPPING, RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.STOPPED));
    RUN.put(RunStatus.STOPPING, EnumSet.of(RunStatus.STOPPED));
    // a resume starts a finished run again
    RUN.put(RunStatus.FAILED, EnumSet.of(RunStatus.RUNNING));
    RUN.put(RunStatus.STOPPED, EnumSet.of(RunStatus.RUNNING));
    RUN.put(RunStatus.SUCCEEDED, EnumSet.noneOf(RunStatus.class));
  }

  private Transitions() {}

  public static boolean allowed(StepStatus from, StepStatus to) {
    return STEP.get(from).contains(to);
  }

  public static boolean allowed(RunStatus from, RunStatus to) {
    return RUN.get(from).contains(to);
  }

  static void checkStep(String step, StepStatus from, StepStatus to) {
    if (!allowed(from, to)) {
      throw new IllegalStateException("step '" + step + "' cannot go from " + from + " to " + to);
    }
  }

  static void checkRun(RunStatus from, RunStatus to) {
    if (!allowed(from, to)) {
      throw new IllegalStateException("a run cannot go from " + from + " to " + to);
    }
  }
}
