package dev.skiff.core;

import dev.skiff.sdk.RunStatus;

/** Runs compiled plans somewhere; made by an orchestrator flavor from its configuration. */
public interface Orchestrator {

  /** Records a new run of {@code plan} and runs it (or submits it, for asynchronous ones). */
  Result run(RunPlan plan, RunListener listener);

  /** Runs a failed or stopped run again; steps that have outputs keep them. */
  Result resume(String runId, RunListener listener);

  /** Stops the run in progress, if any (Ctrl-C). */
  void stop();

  /** The id of a run and its status when {@link #run} returned. */
  record Result(String runId, RunStatus status) {}
}
