package dev.skiff.core.engine.internal;

import dev.skiff.core.spi.StepLogSink;
import dev.skiff.sdk.StepContext;
import dev.skiff.sdk.StepLog;
import dev.skiff.sdk.Visualization;
import java.util.ArrayList;
import java.util.List;

/** The {@link StepContext} of one attempt; collects visualizations until the step ends. */
public final class StepContextImpl implements StepContext {
  private final String runId;
  private final String pipeline;
  private final String step;
  private final int attempt;
  private final StepLog log;
  private final List<Visualization> visualizations = new ArrayList<>();

  public StepContextImpl(
      String runId, String pipeline, String step, int attempt, StepLogSink sink) {
    this.runId = runId;
    this.pipeline = pipeline;
    this.step = step;
    this.attempt = attempt;
    this.log = new SinkLog(sink);
  }

  @Override
  public String runId() {
    return runId;
  }

  @Override
  public String pipelineName() {
    return pipeline;
  }

  @Override
  public String stepName() {
    return step;
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public StepLog log() {
    return log;
  }

  @Override
  public synchronized void visualize(Visualization visualization) {
    if (visualizations.stream().anyMatch(v -> v.name().equals(visualization.name()))) {
      throw new IllegalArgumentException(
          "step '" + step + "' already has a visualization named '" + visualization.name() + "'");
    }
    visualizations.add(visualization);
  }

  public synchronized List<Visualization> visualizations() {
    return List.copyOf(visualizations);
  }

  /** Formats SLF4J-style {@code {}} placeholders and sends lines to the sink. */
  private record SinkLog(StepLogSink sink) implements StepLog {
    @Override
    public void info(String message, Object... args) {
      sink.line(format(message, args));
    }

    @Override
    public void warn(String message, Object... args) {
      sink.line("WARN " + format(message, args));
    }

    @Override
    public void error(String message, Object... args) {
      sink.line("ERROR " + format(message, args));
    }

    static String format(String message, Object... args) {
      StringBuilder sb = new StringBuilder();
      int from = 0;
      int arg = 0;
      int at;
      while ((at = message.indexOf("{}", from)) >= 0 && arg < args.length) {
        sb.append(message, from, at).append(args[arg++]);
        from = at + 2;
      }
      return sb.append(message.substring(from)).toString();
    }
  }
}
