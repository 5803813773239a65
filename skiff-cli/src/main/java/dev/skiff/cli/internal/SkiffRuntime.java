package dev.skiff.cli.internal;

import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineRunner;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunResult;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Runs {@code Pipeline.of(...).run()} from a user's own {@code main}: the project is the nearest
 * {@code .skiff/} (or the global one) and the run goes to its active stack, as with {@code skiff
 * run}. Registered as the SDK's {@link PipelineRunner} service.
 */
public final class SkiffRuntime implements PipelineRunner {
  private static volatile Options override;
  private static volatile RunStatus lastStatus;

  /**
   * Settings of {@code skiff run} for a main class it starts; null to clear. {@code out} and {@code
   * err} are where the run's progress and warnings go (null: System.out and System.err).
   */
  public record Options(
      Project project, RunSettings settings, UserCode code, PrintWriter out, PrintWriter err) {}

  public static void override(Options options) {
    override = options;
    lastStatus = null;
  }

  public static Optional<RunStatus> lastStatus() {
    return Optional.ofNullable(lastStatus);
  }

  @Override
  public RunResult run(PipelineDefinition definition, PipelineSettings settings) {
    return run(definition, settings, java.util.List.of());
  }

  @Override
  public RunResult run(
      PipelineDefinition definition, PipelineSettings settings, java.util.List<Path> configs) {
    Options o = override;
    ClassLoader loader = definition.getClass().getClassLoader();
    Project project = o != null ? o.project() : Project.locate(Path.of(""), System.getenv());
    UserCode code = o != null ? o.code() : UserCode.of(null, loader);
    RunSettings options = o != null ? o.settings() : RunSettings.NONE;
    PrintWriter out =
        o != null && o.out() != null
            ? o.out()
            : new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err =
        o != null && o.err() != null
            ? o.err()
            : new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    try (Workspace workspace = Workspace.open(project, err)) {
      StackRuns.Outcome outcome =
          new StackRuns(workspace)
              .run(
                  definition,
                  settings,
                  configs,
                  options,
                  code,
                  new ConsoleRunPrinter(out, Ansi.auto()));
      String runId = outcome.result().runId();
      RunsCommand.printSteps(workspace.store(), runId, out, Ansi.auto());
      lastStatus = outcome.result().status();
      Map<String, StepStatus> steps = new LinkedHashMap<>();
      for (StepRecord s : workspace.store().listSteps(runId)) {
        steps.put(s.name(), s.status());
      }
      return new RunResult(runId, outcome.plan().pipeline(), outcome.result().status(), steps);
    }
  }

  @Override
  public void schedule(
      PipelineDefinition definition, PipelineSettings settings, dev.skiff.sdk.Schedule schedule) {
    schedule(definition, settings, java.util.List.of(), schedule);
  }

  @Override
  public void schedule(
      PipelineDefinition definition,
      PipelineSettings settings,
      java.util.List<Path> configs,
      dev.skiff.sdk.Schedule schedule) {
    Options o = override;
    ClassLoader loader = definition.getClass().getClassLoader();
    Project project = o != null ? o.project() : Project.locate(Path.of(""), System.getenv());
    UserCode code = o != null ? o.code() : UserCode.of(null, loader);
    PrintWriter out =
        o != null && o.out() != null
            ? o.out()
            : new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err =
        o != null && o.err() != null
            ? o.err()
            : new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    try (Workspace workspace = Workspace.open(project, err)) {
      new StackRuns(workspace)
          .schedule(
              definition,
              settings,
              configs,
              RunSettings.NONE,
              code,
              schedule,
              new ConsoleRunPrinter(out, Ansi.auto()));
    }
  }
}
