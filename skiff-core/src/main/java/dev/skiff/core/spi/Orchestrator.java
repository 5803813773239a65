package dev.skiff.core.spi;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.sdk.RunStatus;

/** Runs compiled plans somewhere; made by an orchestrator flavor from its configuration. */
public interface Orchestrator {

  /** Records a new run of {@code plan} and runs it (or submits it, for asynchronous ones). */
  Result run(RunPlan plan, RunListener listener);

  /** Runs a failed or stopped run again; steps that have outputs keep them. */
  Result resume(String runId, RunListener listener);

  /**
   * Resumes a run with {@code plan}: its stored plan with settings changed for this resume (by
   * {@code SettingsResolver.override}, for {@code skiff runs resume --set}). Default: refused, for
   * orchestrators whose executors read the stored plan themselves.
   */
  default Result resume(String runId, RunPlan plan, RunListener listener) {
    throw new UnsupportedOperationException(
        "settings cannot change when a run resumes on this orchestrator: resume without --set");
  }

  /**
   * Whether runs go on without the client (e.g. in a cluster): then Ctrl-C asks whether to stop the
   * run or leave it running, instead of stopping it.
   */
  default boolean runsRemotely() {
    return false;
  }

  /**
   * Why this orchestrator's executors could not reach the run's stores, one line each naming the
   * fix; the client refuses to run (and warns in dry runs) before building, pushing or contacting
   * anything. Default: none (steps run on this machine).
   */
  default java.util.List<String> storeProblems() {
    return java.util.List.of();
  }

  /** Stops the run in progress, if any (Ctrl-C). */
  void stop();

  /**
   * Runs {@code plan} on {@code schedule} from now on (each firing records a new run). Default:
   * this orchestrator cannot schedule.
   */
  default void schedule(RunPlan plan, dev.skiff.sdk.Schedule schedule, RunListener listener) {
    throw new UnsupportedOperationException(
        "this orchestrator cannot schedule runs: use a stack with the kubernetes orchestrator");
  }

  /**
   * Changes the cron expression of a schedule made by {@link #schedule} (and its record). Default:
   * this orchestrator has no schedules.
   */
  default void updateSchedule(ScheduleRecord schedule, String cron) {
    throw new UnsupportedOperationException("this orchestrator has no schedules");
  }

  /** Suspends ({@code paused}) or resumes a schedule made by {@link #schedule}. */
  default void pauseSchedule(ScheduleRecord schedule, boolean paused) {
    throw new UnsupportedOperationException("this orchestrator has no schedules");
  }

  /** Deletes a schedule made by {@link #schedule} and its record. */
  default void deleteSchedule(ScheduleRecord schedule) {
    throw new UnsupportedOperationException("this orchestrator has no schedules");
  }

  /** Stops a run started earlier, maybe by another process ({@code skiff runs stop}). */
  default void stop(String runId) {
    throw new UnsupportedOperationException(
        "runs of this orchestrator are stopped with Ctrl-C where they run");
  }

  /**
   * What a run of {@code plan} would create, as text ({@code yaml} or {@code json}); nothing is
   * created, recorded or contacted (no cluster request, not even a read). Default: the plan itself,
   * as JSON.
   */
  default String dryRun(RunPlan plan, String format) {
    return plan.toJson();
  }

  /**
   * What {@link #schedule} would create for {@code plan} on {@code schedule}, as text ({@code yaml}
   * or {@code json}); nothing is created, recorded or contacted. Default: this orchestrator cannot
   * schedule.
   */
  default String dryRunSchedule(RunPlan plan, dev.skiff.sdk.Schedule schedule, String format) {
    throw new UnsupportedOperationException(
        "this orchestrator cannot schedule runs: use a stack with the kubernetes orchestrator");
  }

  /** The id of a run and its status when {@link #run} returned. */
  record Result(String runId, RunStatus status) {}
}
