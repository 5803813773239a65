package dev.skiff.core.engine;

import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunLease;
import dev.skiff.core.spi.RunOwnedException;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What happens to a run between its drivers: whether it is still owned by a live orchestrator,
 * settling it when that orchestrator died ("lost"), readying it for a resume, and finishing a stop
 * that no driver is left to carry out. The same for every executor; statuses move through {@link
 * Transitions}.
 */
public final class RunLifecycle {
  private RunLifecycle() {}

  /**
   * True while {@code run} is unfinished and its lease is live (or it started less than a lease ago
   * and has none yet).
   */
  public static boolean isLive(MetadataStore store, RunRecord run, Instant now) {
    if (run.status().isFinal()) {
      return false;
    }
    Optional<RunLease> lease = store.findLease(run.id());
    if (lease.isPresent()) {
      return lease.get().liveAt(now);
    }
    // an orchestrator that has not started yet (a pod being scheduled) has taken no lease
    return run.createdAt() != null && run.createdAt().plus(DagScheduler.LEASE).isAfter(now);
  }

  /**
   * If {@code run} is unfinished but its orchestrator stopped heart-beating, records it as failed
   * ("lost") with the reason, and its unfinished steps too; returns the run as it is now.
   */
  public static RunRecord settle(MetadataStore store, RunRecord run, Instant now) {
    if (run.status().isFinal() || isLive(store, run, now)) {
      return run;
    }
    String reason =
        store
            .findLease(run.id())
            .map(
                l ->
                    "lost: its orchestrator ("
                        + l.owner()
                        + ") stopped heart-beating; last heartbeat "
                        + l.renewedAt())
            .orElse("lost: its orchestrator never started or stopped without a trace");
    endUnfinishedSteps(store, run.id(), StepStatus.FAILED, reason, now);
    RunStatus status = run.status() == RunStatus.STOPPING ? RunStatus.STOPPED : RunStatus.FAILED;
    Transitions.checkRun(run.status(), status);
    store.updateRun(run.id(), status, now, reason);
    return store.findRun(run.id()).orElse(run);
  }

  /**
   * Readies a failed, stopped or lost run to be driven again: refused while a live orchestrator
   * owns it; steps left running by a dead orchestrator count as failed attempts; every step without
   * outputs gets its retry budgets back; the run is {@code RUNNING} again.
   */
  public static void prepareResume(MetadataStore store, String runId, Instant now) {
    RunRecord run =
        store
            .findRun(runId)
            .orElseThrow(() -> new IllegalArgumentException("run " + runId + " not found"));
    if (run.status() == RunStatus.SUCCEEDED) {
      throw new IllegalArgumentException("run " + runId + " succeeded: nothing to resume");
    }
    if (isLive(store, run, now)) {
      throw new RunOwnedException(runId, store.findLease(runId).orElse(null));
    }
    run = settle(store, run, now);
    for (StepRecord s : store.listSteps(runId)) {
      if (!s.status().hasOutputs() && (s.userFailures() != 0 || s.infraFailures() != 0)) {
        store.saveStep(
            new StepRecord(
                s.runId(),
                s.name(),
                s.status(),
                s.attempt(),
                s.cacheKey(),
                s.cachedFrom(),
                s.startedAt(),
                s.endedAt(),
                s.error(),
                0,
                0));
      }
    }
    Transitions.checkRun(run.status(), RunStatus.RUNNING);
    store.updateRun(runId, RunStatus.RUNNING, null, null);
  }

  /**
   * Asks the run's orchestrator to stop: records {@code STOPPING}, which every driver watches for.
   * Returns false if the run had already ended.
   */
  public static boolean requestStop(MetadataStore store, String runId) {
    RunRecord run =
        store
            .findRun(runId)
            .orElseThrow(() -> new IllegalArgumentException("run " + runId + " not found"));
    if (run.status().isFinal()) {
      return false;
    }
    if (run.status() == RunStatus.RUNNING) {
      store.updateRun(runId, RunStatus.STOPPING, null, null);
    }
    return true;
  }

  /**
   * Waits up to {@code timeout} for the run's driver to finish a requested stop; if none does (its
   * orchestrator is dead or never started), finishes it here: unfinished steps {@code STOPPED}, the
   * run {@code STOPPED}. Returns the final status.
   */
  public static RunStatus awaitStopped(MetadataStore store, String runId, Duration timeout)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      RunStatus status = store.findRun(runId).map(RunRecord::status).orElse(RunStatus.STOPPED);
      if (status.isFinal()) {
        return status;
      }
      Thread.sleep(100);
    }
    Instant now = Instant.now();
    endUnfinishedSteps(store, runId, StepStatus.STOPPED, "the run was stopped", now);
    store.updateRun(runId, RunStatus.STOPPED, now, "stopped by the user");
    return RunStatus.STOPPED;
  }

  private static void endUnfinishedSteps(
      MetadataStore store, String runId, StepStatus to, String reason, Instant now) {
    for (StepRecord s : store.listSteps(runId)) {
      if (s.status() == StepStatus.RUNNING) {
        Transitions.checkStep(s.name(), s.status(), to);
        store.saveStep(
            new StepRecord(
                s.runId(),
                s.name(),
                to,
                s.attempt(),
                s.cacheKey(),
                s.cachedFrom(),
                s.startedAt(),
                now,
                reason,
                s.userFailures(),
                s.infraFailures()));
      }
    }
  }
}
