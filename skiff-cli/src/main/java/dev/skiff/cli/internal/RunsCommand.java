package dev.skiff.cli.internal;

import dev.skiff.core.engine.RunLogs;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.local.Isolation;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code skiff runs}: run history. */
@Command(
    name = "runs",
    description = "List, inspect and resume pipeline runs.",
    subcommands = {
      RunsCommand.ListRuns.class,
      RunsCommand.Describe.class,
      RunsCommand.Logs.class,
      RunsCommand.Resume.class,
      RunsCommand.Stop.class
    })
public final class RunsCommand {

  /** Prints the steps table shown after a run and by {@code runs describe}. */
  public static void printSteps(MetadataStore store, String runId, PrintWriter out, Ansi ansi) {
    Table t = new Table("STEP", "STATUS", "ATTEMPT", "DURATION", "DETAIL");
    for (StepRecord s : store.listSteps(runId)) {
      String detail =
          s.cachedFrom() != null
              ? "from run " + s.cachedFrom()
              : s.error() == null ? "" : Redactor.redact(s.error());
      t.row(
          s.name(),
          ansi.status(s.status().name()),
          s.attempt() == 0 ? "" : s.attempt(),
          Format.duration(s.startedAt(), s.endedAt()),
          detail);
    }
    t.print(out, ansi);
  }

  @Command(name = "list", description = "List runs, newest first.")
  static final class ListRuns implements Callable<Integer> {
    @Option(names = "--pipeline", paramLabel = "NAME", description = "Only runs of this pipeline.")
    String pipeline;

    @Option(
        names = "--limit",
        paramLabel = "N",
        description = "At most N runs (default: ${DEFAULT-VALUE}).")
    int limit = 20;

    @Option(
        names = {"--output", "-o"},
        paramLabel = "FORMAT",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.table;

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (MetadataStore store = project.project().openMetadataStore()) {
        java.time.Instant now = java.time.Instant.now();
        List<RunRecord> runs =
            store.listRuns(pipeline, limit).stream()
                .map(
                    r ->
                        dev.skiff.core.engine.RunLifecycle.settle(
                            store, r, now)) // lost runs show as such
                .toList();
        if (output == OutputFormat.json) {
          JsonOutput.print(out, runs.stream().map(RunsCommand::runJson).toList());
          return 0;
        }
        Ansi ansi = Ansi.auto();
        Table t = new Table("RUN", "PIPELINE", "STATUS", "STACK", "STARTED", "DURATION");
        for (RunRecord r : runs) {
          t.row(
              r.id(),
              r.pipeline(),
              ansi.status(r.status().name()),
              stackName(r),
              Format.time(r.createdAt()),
              Format.duration(r.createdAt(), r.endedAt()));
        }
        t.print(out, ansi);
      }
      return 0;
    }
  }

  @Command(name = "describe", description = "Show a run: status, steps, outputs.")
  static final class Describe implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "Run id or a unique prefix of it.")
    String runId;

    @Option(
        names = {"--output", "-o"},
        paramLabel = "FORMAT",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.table;

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (MetadataStore store = project.project().openMetadataStore()) {
        RunRecord run = Lookup.run(store, runId);
        List<StepRecord> steps = store.listSteps(run.id());
        if (output == OutputFormat.json) {
          Map<String, Object> json = runJson(run);
          List<Map<String, Object>> stepJson = new ArrayList<>();
          for (StepRecord s : steps) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("status", s.status());
            m.put("attempt", s.attempt());
            m.put("cacheKey", s.cacheKey());
            m.put("cachedFrom", s.cachedFrom());
            m.put("startedAt", s.startedAt());
            m.put("endedAt", s.endedAt());
            m.put("error", Redactor.redact(s.error()));
            Map<String, String> outs = new LinkedHashMap<>();
            store.stepOutputs(run.id(), s.name()).forEach((k, v) -> outs.put(k, v.id()));
            m.put("outputs", outs);
            m.put("inputs", store.stepInputs(run.id(), s.name()));
            stepJson.add(m);
          }
          json.put("steps", stepJson);
          json.put("plan", RunPlan.fromJson(run.planJson()));
          JsonOutput.print(out, json);
          return 0;
        }
        Ansi ansi = Ansi.auto();
        out.println(ansi.bold("Run " + run.id()) + "  " + ansi.status(run.status().name()));
        out.println("  pipeline:     " + run.pipeline());
        out.println("  stack:        " + stackName(run));
        out.println("  orchestrator: " + run.orchestrator());
        out.println("  started:      " + Format.time(run.createdAt()));
        if (run.endedAt() != null) {
          out.println("  duration:     " + Format.duration(run.createdAt(), run.endedAt()));
        }
        out.println("  plan hash:    " + run.planHash());
        if (run.error() != null) {
          out.println("  error:        " + ansi.red(Redactor.redact(run.error())));
        }
        out.println();
        printSteps(store, run.id(), out, ansi);
        out.println();
        Table outputs = new Table("STEP", "OUTPUT", "ARTIFACT", "TYPE", "SIZE");
        for (StepRecord s : steps) {
          for (Map.Entry<String, ArtifactRecord> e :
              store.stepOutputs(run.id(), s.name()).entrySet()) {
            ArtifactRecord a = e.getValue();
            outputs.row(
                s.name(), e.getKey(), Format.shortId(a.id()), a.type(), Format.size(a.size()));
          }
        }
        outputs.print(out, ansi);
      }
      return 0;
    }
  }

  @Command(
      name = "logs",
      description =
          "Print the saved logs of a run's steps (read from the artifact store of the stack the run used).")
  static final class Logs implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "Run id or a unique prefix of it.")
    String runId;

    @Parameters(index = "1", arity = "0..1", paramLabel = "STEP", description = "Only this step.")
    String step;

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      try (Workspace workspace = Workspace.open(project.project(), spec.commandLine().getErr())) {
        RunRecord run = Lookup.run(workspace.store(), runId);
        RunPlan plan = RunPlan.fromJson(run.planJson());
        List<String> steps =
            step == null
                ? plan.steps().stream().map(s -> s.name()).toList()
                : List.of(plan.step(step).name());
        ArtifactStore artifacts = workspace.artifactsOf(run, RunLogs.path(run.id(), steps.get(0)));
        Ansi ansi = Ansi.auto();
        for (int i = 0; i < steps.size(); i++) {
          String path = RunLogs.path(run.id(), steps.get(i));
          if (!artifacts.exists(path)) {
            continue;
          }
          try (InputStream in = artifacts.open(path)) {
            String prefix =
                ansi.step(plan.steps().indexOf(plan.step(steps.get(i))), steps.get(i) + " |");
            new String(in.readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .map(Redactor::redact)
                .forEach(l -> out.println(step == null ? prefix + " " + l : l));
          }
        }
        out.flush();
      }
      return 0;
    }
  }

  @Command(
      name = "resume",
      description = {
        "Run a failed or stopped run again; steps that succeeded keep their outputs.",
        "The run resumes on the stack it was started on (the active stack, with a warning, if that stack was deleted)."
      })
  static final class Resume implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "Run id or a unique prefix of it.")
    String runId;

    @Option(
        names = {"--classpath", "-cp"},
        paramLabel = "CP",
        description = "Where the pipeline's classes are (as for 'skiff run').")
    String classpath;

    @Option(
        names = "--isolation",
        paramLabel = "MODE",
        description =
            "thread or process, for a local orchestrator (default: as the run's plan says). Same as --set orchestrator.local.isolation=MODE.")
    Isolation isolation;

    @Option(
        names = "--set",
        paramLabel = "KEY=VALUE",
        description =
            "Change a component setting for this resume, as 'skiff run --set' does (<component>.<flavor>.<field>[.<nested>...]=VALUE);"
                + " it wins over the run's own settings, at every step. Repeatable. Pipeline keys cannot change on resume.")
    List<String> sets = new java.util.ArrayList<>();

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      UserCode code = UserCode.of(classpath, RunsCommand.class.getClassLoader());
      try (Workspace workspace = Workspace.open(project.project(), spec.commandLine().getErr())) {
        RunRecord run = Lookup.run(workspace.store(), runId);
        RunSettings options = RunSettings.of(false, false, isolation, null, sets);
        Orchestrator.Result result =
            new StackRuns(workspace)
                .resume(run, options, code, new ConsoleRunPrinter(out, Ansi.auto()));
        printSteps(workspace.store(), result.runId(), out, Ansi.auto());
        return result.status().exitCode();
      }
    }
  }

  @Command(
      name = "stop",
      description = {
        "Stop a running run: running steps are cancelled (pods deleted), the rest skipped, and it is recorded as stopped.",
        "Works from any terminal; a run whose orchestrator died is recorded as stopped at once."
      })
  static final class Stop implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "Run id or a unique prefix of it.")
    String runId;

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try (Workspace workspace = Workspace.open(project.project(), spec.commandLine().getErr())) {
        RunRecord run = Lookup.run(workspace.store(), runId);
        if (run.status().isFinal()) {
          throw new IllegalArgumentException(
              "run "
                  + run.id()
                  + " has ended already ("
                  + run.status().name().toLowerCase(Locale.ROOT)
                  + ")");
        }
        new StackRuns(workspace).stop(run, UserCode.of(null, RunsCommand.class.getClassLoader()));
        spec.commandLine().getOut().println("Stopped run " + run.id());
        return 0;
      }
    }
  }

  static Map<String, Object> runJson(RunRecord r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("pipeline", r.pipeline());
    m.put("status", r.status());
    m.put("stack", stackName(r));
    m.put("orchestrator", r.orchestrator());
    m.put("createdAt", r.createdAt());
    m.put("endedAt", r.endedAt());
    m.put("planHash", r.planHash());
    m.put("error", Redactor.redact(r.error()));
    return m;
  }

  /** The stack a run used, from its plan; empty for runs recorded before stacks. */
  static String stackName(RunRecord r) {
    try {
      String stack = RunPlan.fromJson(r.planJson()).stack();
      return stack == null ? "" : stack;
    } catch (IllegalArgumentException unreadable) {
      return "";
    }
  }
}
