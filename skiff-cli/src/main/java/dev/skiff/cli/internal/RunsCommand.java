package dev.skiff.cli.internal;

import dev.skiff.core.engine.RunLogs;
import dev.skiff.core.plan.PlanStep;
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

  /**
   * Prints the steps table shown after a run and by {@code runs describe}. A map's instances
   * ({@code train[0]}, {@code train[1]} …) follow their map, indented and in index order, and the
   * map's row counts them by status ({@code 4/4 succeeded}).
   */
  public static void printSteps(MetadataStore store, String runId, PrintWriter out, Ansi ansi) {
    Table t = new Table("STEP", "STATUS", "ATTEMPT", "DURATION", "DETAIL");
    for (StepRow row : StepRow.grouped(store.listSteps(runId), mapsOf(store, runId))) {
      StepRecord s = row.step();
      String detail =
          s.cachedFrom() != null
              ? "from run " + s.cachedFrom()
              : s.error() == null ? "" : Redactor.redact(s.error());
      if (row.instances() != null) {
        String counts = StepRow.counts(row.instances());
        detail = detail.isEmpty() ? counts : counts + "; " + detail;
      }
      t.row(
          row.instanceOf() != null ? "  " + s.name() : s.name(),
          ansi.status(s.status().name()),
          s.attempt() == 0 ? "" : s.attempt(),
          Format.duration(s.startedAt(), s.endedAt()),
          detail);
    }
    t.print(out, ansi);
  }

  /** {@code output[2]} before {@code output[10]}: list elements in index order. */
  static int byNameThenIndex(String a, String b) {
    int ia = a.lastIndexOf('[');
    int ib = b.lastIndexOf('[');
    if (ia < 0 || ib < 0 || !a.endsWith("]") || !b.endsWith("]")) {
      return a.compareTo(b);
    }
    int byName = a.substring(0, ia).compareTo(b.substring(0, ib));
    if (byName != 0) {
      return byName;
    }
    try {
      return Long.compare(
          Long.parseLong(a.substring(ia + 1, a.length() - 1)),
          Long.parseLong(b.substring(ib + 1, b.length() - 1)));
    } catch (NumberFormatException notAnIndex) {
      return a.compareTo(b);
    }
  }

  /** The names of the run's map steps, from its plan (none if the plan cannot be read). */
  static java.util.Set<String> mapsOf(MetadataStore store, String runId) {
    try {
      return store
          .findRun(runId)
          .map(r -> RunPlan.fromJson(r.planJson()).steps().stream())
          .orElse(java.util.stream.Stream.empty())
          .filter(s -> s.map() != null)
          .map(PlanStep::name)
          .collect(java.util.stream.Collectors.toSet());
    } catch (IllegalArgumentException unreadable) {
      return java.util.Set.of();
    }
  }

  /**
   * A step as {@code runs describe} shows it: a map with its instances ({@code instances} null for
   * other steps), or an instance of the map {@code instanceOf}.
   */
  record StepRow(StepRecord step, List<StepRecord> instances, String instanceOf) {
    /**
     * The steps in the order given, each map followed by its instances by index; instances whose
     * map has no record (yet) stay where they are.
     */
    static List<StepRow> grouped(List<StepRecord> steps, java.util.Set<String> maps) {
      Map<String, List<StepRecord>> byMap = instancesByMap(steps);
      // instances of a map with no record stay in place: there is no row to put them under
      byMap
          .keySet()
          .retainAll(
              steps.stream().map(StepRecord::name).collect(java.util.stream.Collectors.toSet()));
      List<StepRow> rows = new ArrayList<>();
      for (StepRecord s : steps) {
        String map = mapOf(s.name());
        if (map != null && byMap.containsKey(map)) {
          continue; // printed under its map
        }
        boolean isMap = maps.contains(s.name()) || byMap.containsKey(s.name());
        rows.add(new StepRow(s, isMap ? byMap.getOrDefault(s.name(), List.of()) : null, null));
        for (StepRecord i : byMap.getOrDefault(s.name(), List.of())) {
          rows.add(new StepRow(i, null, s.name()));
        }
      }
      return rows;
    }

    /** {@code 4/4 succeeded}, or {@code 3/5 succeeded, 1 failed, 1 skipped}; 0 instances. */
    static String counts(List<StepRecord> instances) {
      if (instances.isEmpty()) {
        return "0 instances";
      }
      Map<dev.skiff.sdk.StepStatus, Integer> n =
          new java.util.EnumMap<>(dev.skiff.sdk.StepStatus.class);
      instances.forEach(i -> n.merge(i.status(), 1, Integer::sum));
      List<String> parts = new ArrayList<>();
      n.forEach(
          (status, count) ->
              parts.add(
                  (parts.isEmpty() ? count + "/" + instances.size() : String.valueOf(count))
                      + " "
                      + status.name().toLowerCase(Locale.ROOT)));
      return String.join(", ", parts);
    }

    /**
     * The recorded instances of each map, by index, keyed by the map's name whether or not the map
     * has a record: {@code runs describe} and {@code runs logs} both place instances from it.
     */
    static Map<String, List<StepRecord>> instancesByMap(List<StepRecord> steps) {
      Map<String, List<StepRecord>> byMap = new LinkedHashMap<>();
      for (StepRecord s : steps) {
        PlanStep.instance(s.name())
            .ifPresent(i -> byMap.computeIfAbsent(i.map(), m -> new ArrayList<>()).add(s));
      }
      byMap
          .values()
          .forEach(l -> l.sort(java.util.Comparator.comparingInt(r -> indexOf(r.name()))));
      return byMap;
    }

    /** {@code train} for {@code train[3]}; null for a name that is not an instance's. */
    static String mapOf(String name) {
      return PlanStep.instance(name).map(PlanStep.Instance::map).orElse(null);
    }

    private static int indexOf(String name) {
      return PlanStep.instance(name).orElseThrow().index();
    }
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
            // every instance is kept, and says which map it belongs to
            PlanStep.instance(s.name())
                .ifPresent(
                    i -> {
                      m.put("map", i.map());
                      m.put("index", i.index());
                    });
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
        Map<String, StepRecord> byName = new LinkedHashMap<>();
        steps.forEach(s -> byName.put(s.name(), s));
        for (StepRecord s : steps) {
          StepRecord map = byName.get(String.valueOf(StepRow.mapOf(s.name())));
          if (map != null && map.status().hasOutputs()) {
            continue; // an instance's output is its map's element, listed with the map
          }
          List<Map.Entry<String, ArtifactRecord>> entries =
              new ArrayList<>(store.stepOutputs(run.id(), s.name()).entrySet());
          entries.sort(Map.Entry.comparingByKey(RunsCommand::byNameThenIndex));
          for (Map.Entry<String, ArtifactRecord> e : entries) {
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
                ? withInstances(plan, workspace.store().listSteps(run.id()))
                : List.of(plan.step(step).name());
        ArtifactStore artifacts = workspace.artifactsOf(run, RunLogs.path(run.id(), steps.get(0)));
        Ansi ansi = Ansi.auto();
        for (int i = 0; i < steps.size(); i++) {
          String path = RunLogs.path(run.id(), steps.get(i));
          if (!artifacts.exists(path)) {
            continue;
          }
          try (InputStream in = artifacts.open(path)) {
            int color = plan.steps().indexOf(plan.step(plan.step(steps.get(i)).declaredName()));
            String prefix = ansi.step(color, steps.get(i) + " |");
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

  /** The plan's steps in order, each map followed by the instances the run recorded, by index. */
  static List<String> withInstances(RunPlan plan, List<StepRecord> recorded) {
    Map<String, List<StepRecord>> byMap = StepRow.instancesByMap(recorded);
    List<String> names = new ArrayList<>();
    for (var s : plan.steps()) {
      names.add(s.name());
      byMap.getOrDefault(s.name(), List.of()).forEach(i -> names.add(i.name()));
    }
    return names;
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
