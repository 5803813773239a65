package dev.skiff.kubernetes.internal;

import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import java.io.PrintStream;

/**
 * Prints run events in the orchestrator pod as {@code step | text} lines: its log is what the
 * client streams, so every step's lines reach the user prefixed with the step name.
 */
final class PlainRunPrinter implements RunListener {
  private final PrintStream out;

  PlainRunPrinter(PrintStream out) {
    this.out = out;
  }

  @Override
  public synchronized void onEvent(RunEvent event) {
    String line = null;
    if (event instanceof RunEvent.RunStarted e) {
      line =
          (e.resumed() ? "Resuming" : "Running")
              + " pipeline "
              + e.plan().pipeline()
              + " (run "
              + e.runId()
              + ", "
              + e.plan().steps().size()
              + " steps)";
    } else if (event instanceof RunEvent.StepStarted e) {
      line = prefix(e.step()) + (e.attempt() == 1 ? "started" : "started attempt " + e.attempt());
    } else if (event instanceof RunEvent.StepLogLine e) {
      line = prefix(e.step()) + e.line();
    } else if (event instanceof RunEvent.StepCached e) {
      line = prefix(e.step()) + "cached (outputs of run " + e.fromRun() + ")";
    } else if (event instanceof RunEvent.StepReused e) {
      line = prefix(e.step()) + "kept outputs of the earlier attempt";
    } else if (event instanceof RunEvent.StepSucceeded e) {
      line = prefix(e.step()) + "succeeded in " + e.took().toMillis() + " ms";
    } else if (event instanceof RunEvent.StepFailed e) {
      line =
          prefix(e.step())
              + "attempt "
              + e.attempt()
              + " failed: "
              + e.error()
              + (e.retryIn() == null ? "" : " — retrying in " + e.retryIn().toMillis() + " ms");
    } else if (event instanceof RunEvent.StepSkipped e) {
      line = prefix(e.step()) + "skipped: " + e.reason();
    } else if (event instanceof RunEvent.StepStopped e) {
      line = prefix(e.step()) + "stopped: " + e.reason();
    } else if (event instanceof RunEvent.RunFinished e) {
      line =
          "Run "
              + e.runId()
              + " "
              + e.status().name().toLowerCase()
              + " in "
              + e.took().toMillis()
              + " ms"
              + (e.error() == null ? "" : ": " + e.error());
    }
    if (line != null) {
      out.println(line);
      out.flush();
    }
  }

  private static String prefix(String step) {
    return step + " | ";
  }
}
