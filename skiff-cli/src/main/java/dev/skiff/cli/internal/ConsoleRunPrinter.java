package dev.skiff.cli.internal;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;

/**
 * Prints run events for people: one colored, step-prefixed line each, after a header naming the
 * pipeline, the stack and the run. Secret values the CLI resolved are shown as their references.
 */
public final class ConsoleRunPrinter implements RunListener {
  private final PrintWriter out;
  private final Ansi ansi;
  private final Map<String, Integer> stepIndex = new HashMap<>();
  private int width = 8;

  public ConsoleRunPrinter(PrintWriter out, Ansi ansi) {
    this.out = out;
    this.ansi = ansi;
  }

  @Override
  public synchronized void onEvent(RunEvent event) {
    if (event instanceof RunEvent.RunStarted e) {
      started(e.plan(), e.runId(), e.resumed());
    } else if (event instanceof RunEvent.StepStarted e) {
      step(e.step(), ansi.dim(e.attempt() == 1 ? "started" : "started attempt " + e.attempt()));
    } else if (event instanceof RunEvent.StepLogLine e) {
      step(e.step(), e.line());
    } else if (event instanceof RunEvent.StepCached e) {
      step(e.step(), ansi.status("CACHED") + ansi.dim(" (outputs of run " + e.fromRun() + ")"));
    } else if (event instanceof RunEvent.StepReused e) {
      step(e.step(), ansi.dim("kept outputs of the earlier attempt"));
    } else if (event instanceof RunEvent.StepSucceeded e) {
      step(e.step(), ansi.status("SUCCEEDED") + ansi.dim(" in " + Format.duration(e.took())));
    } else if (event instanceof RunEvent.StepFailed e) {
      step(
          e.step(),
          ansi.red("attempt " + e.attempt() + " failed: " + e.error())
              + (e.retryIn() == null
                  ? ""
                  : ansi.dim(" — retrying in " + Format.duration(e.retryIn()))));
    } else if (event instanceof RunEvent.StepSkipped e) {
      step(e.step(), ansi.dim("skipped: " + e.reason()));
    } else if (event instanceof RunEvent.StepStopped e) {
      step(e.step(), ansi.status("STOPPED") + ansi.dim(" " + e.reason()));
    } else if (event instanceof RunEvent.OrchestratorLine e) {
      out.println(ansi.dim(Redactor.redact(e.line())));
    } else if (event instanceof RunEvent.RunFinished e) {
      out.println(
          "Run "
              + e.runId()
              + " "
              + ansi.bold(ansi.status(e.status().name()))
              + " in "
              + Format.duration(e.took())
              + (e.error() == null ? "" : ": " + Redactor.redact(e.error())));
    }
    out.flush();
  }

  private void started(RunPlan plan, String runId, boolean resumed) {
    for (int i = 0; i < plan.steps().size(); i++) {
      String name = plan.steps().get(i).name();
      stepIndex.put(name, i);
      // a map's instances (name[12]) print under it: room for two-digit indexes
      width =
          Math.max(
              width, name.length() + (plan.steps().get(i).map() != null ? "[00]".length() : 0));
    }
    String stack = plan.stack() == null ? "" : " on stack '" + plan.stack() + "'";
    out.println(
        ansi.bold((resumed ? "Resuming" : "Running") + " pipeline " + plan.pipeline() + stack)
            + " "
            + ansi.dim("(run " + runId + ", " + plan.steps().size() + " steps)"));
  }

  private void step(String step, String text) {
    String prefix = String.format("%-" + width + "s |", step);
    // an instance (train[3]) in its map's color
    int color =
        stepIndex.getOrDefault(
            step,
            stepIndex.getOrDefault(
                step.contains("[") ? step.substring(0, step.lastIndexOf('[')) : step, 0));
    out.println(ansi.step(color, prefix) + " " + Redactor.redact(text));
  }
}
