package dev.skiff.kubernetes.internal;

import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import java.io.PrintStream;
import java.util.function.UnaryOperator;

/**
 * The orchestrator pod's listener: writes each run event as one JSON line ({@link RunEventCodec})
 * on its stdout, which is what the client streams and decodes back into the same events. Every text
 * passes through the redactor of the run Secret's credentials first, as the lines the pod saves
 * with the run do.
 */
final class RunEventWriter implements RunListener {
  private final PrintStream out;
  private final UnaryOperator<String> redact;

  RunEventWriter(PrintStream out, UnaryOperator<String> redact) {
    this.out = out;
    this.redact = redact;
  }

  /** Writes a line of the orchestrator's own (not of a step) as an event of run {@code runId}. */
  void line(String runId, String text) {
    onEvent(new RunEvent.OrchestratorLine(runId, text));
  }

  // one whole line per event and at once: scheduler and launcher threads write concurrently, and
  // the client follows the log as it grows
  @Override
  public synchronized void onEvent(RunEvent event) {
    out.println(RunEventCodec.encode(event, redact));
    out.flush();
  }
}
