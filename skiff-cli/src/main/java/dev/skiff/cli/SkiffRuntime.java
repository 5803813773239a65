package dev.skiff.cli;

import dev.skiff.cli.internal.Ansi;
import dev.skiff.cli.internal.ConsoleRunPrinter;
import dev.skiff.cli.internal.LocalRuns;
import dev.skiff.cli.internal.RunsCommand;
import dev.skiff.cli.internal.UserCode;
import dev.skiff.core.RunPlan;
import dev.skiff.core.StepRecord;
import dev.skiff.local.LocalOrchestrator;
import dev.skiff.local.LocalOrchestratorConfig;
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
 * {@code .skiff/} (or the global one) and the orchestrator the local one. Registered as the SDK's
 * {@link PipelineRunner} service.
 */
public final class SkiffRuntime implements PipelineRunner {
  private static volatile Options override;
  private static volatile RunStatus lastStatus;

  /**
   * Settings of {@code skiff run} for a main class it starts; null to clear. {@code out} is where
   * the run's progress goes (null: System.out).
   */
  public record Options(Project project, LocalOrchestratorConfig config, UserCode code, boolean noCache, boolean continueOnFailure, PrintWriter out) {}

  public static void override(Options options) {
    override = options;
    lastStatus = null;
  }

  public static Optional<RunStatus> lastStatus() {
    return Optional.ofNullable(lastStatus);
  }

  @Override
  public RunResult run(PipelineDefinition definition, PipelineSettings settings) {
    Options o = override;
    ClassLoader loader = definition.getClass().getClassLoader();
    Project project = o != null ? o.project() : Project.locate(Path.of(""), System.getenv());
    LocalOrchestratorConfig config = o != null ? o.config() : LocalOrchestratorConfig.DEFAULTS;
    UserCode code = o != null ? o.code() : UserCode.of(null, loader);
    PipelineSettings effective = settings;
    if (o != null && (o.noCache() || o.continueOnFailure())) {
      effective = settings.toBuilder().enableCache(settings.enableCache() && !o.noCache()).failFast(settings.failFast() && !o.continueOnFailure()).build();
    }
    PrintWriter out = o != null && o.out() != null ? o.out() : new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    try (LocalRuns runs = new LocalRuns(project)) {
      RunPlan plan = runs.compile(definition, effective, loader);
      LocalOrchestrator.Result result = runs.run(plan, config, code, new ConsoleRunPrinter(out, Ansi.auto()));
      RunsCommand.printSteps(runs.store(), result.runId(), out, Ansi.auto());
      lastStatus = result.status();
      Map<String, StepStatus> steps = new LinkedHashMap<>();
      for (StepRecord s : runs.store().listSteps(result.runId())) {
        steps.put(s.name(), s.status());
      }
      return new RunResult(result.runId(), plan.pipeline(), result.status(), steps);
    }
  }
}
