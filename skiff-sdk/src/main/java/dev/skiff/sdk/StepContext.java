package dev.skiff.sdk;

/** What a running step may ask about its run: {@code StepContext.current()} inside step code. */
public interface StepContext {

  /** The context of the step running on this thread. */
  static StepContext current() {
    return CurrentStep.get()
        .orElseThrow(
            () -> new IllegalStateException("StepContext.current() called outside a running step"));
  }

  String runId();

  String pipelineName();

  String stepName();

  /** 1 for the first attempt, 2 for the first retry, … */
  int attempt();

  StepLog log();

  /** Attaches a report to this step's outputs. Names must be unique within the step. */
  void visualize(Visualization visualization);
}
