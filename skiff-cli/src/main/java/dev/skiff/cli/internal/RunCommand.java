package dev.skiff.cli.internal;

import dev.skiff.local.Isolation;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code skiff run}: compiles a pipeline class and runs it; the exit code is the run's status. */
@Command(
    name = "run",
    description = {
      "Run a pipeline on the active stack (see 'skiff stack describe'): a class implementing PipelineDefinition,"
          + " or a class whose main calls Pipeline.run().",
      "Exit code: 0 succeeded, 1 failed, 130 stopped, 2 usage or setup error."
    })
public final class RunCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "PIPELINE_CLASS",
      description = "Fully qualified class name of the pipeline.")
  String className;

  @Parameters(
      index = "1..*",
      paramLabel = "ARGS",
      description = "Arguments for the class's main method (main classes only).")
  List<String> args = List.of();

  @Option(
      names = {"--classpath", "-cp"},
      paramLabel = "CP",
      description =
          "Where the pipeline's classes and dependencies are, like java -cp ('dir/*' for all jars).")
  String classpath;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = {
        "Set a setting for this run, at pipeline level over the pipeline's code (step settings in code still win for their step); repeatable."
            + " KEY: a pipeline key (enableCache, failFast, maxParallelism, stepTimeout) or <component>.<flavor>.<field>[.<nested>...],"
            + " e.g. orchestrator.local.maxParallelism=2 or orchestrator.kubernetes.podSettings.nodeSelector.disk=ssd."
            + " VALUE: JSON when it parses as JSON, else text. See docs/cli.md."
      })
  List<String> sets = new java.util.ArrayList<>();

  @Option(
      names = {"-p", "--param"},
      paramLabel = "STEP.PARAM=VALUE",
      description = {
        "Set a step's parameter (a Param.of(...) input) for this run, over the code and --config; repeatable."
            + " STEP.PARAM sets the whole value, STEP.PARAM.FIELD[...] one field of a record, e.g. trainer.config.gamma=0.01."
            + " VALUE: JSON when it parses as JSON, else text; converted to the parameter's type. See docs/cli.md."
      })
  List<String> params = new java.util.ArrayList<>();

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "A run configuration file (YAML, or JSON for *.json): parameters and settings by step name, over the code;"
              + " -p and --set win over it. Repeatable, later files win. See docs/cli.md.")
  List<java.nio.file.Path> configs = new java.util.ArrayList<>();

  @Option(
      names = "--isolation",
      paramLabel = "MODE",
      description =
          "Run each step in a 'thread' of this JVM or its own 'process' (default: the local orchestrator's configuration, thread). Same as --set orchestrator.local.isolation=MODE.")
  Isolation isolation;

  @Option(
      names = "--no-cache",
      description =
          "Run every step even when cached outputs exist. Same as --set enableCache=false.")
  boolean noCache;

  @Option(
      names = "--continue-on-failure",
      description =
          "Keep running branches that do not depend on a failed step (default: fail fast). Same as --set failFast=false.")
  boolean continueOnFailure;

  @Option(
      names = "--max-parallelism",
      paramLabel = "N",
      description =
          "Most steps running at once, 0 for no limit (default: the local orchestrator's configuration, no limit). Same as --set orchestrator.local.maxParallelism=N.")
  Integer maxParallelism;

  @Option(
      names = "--dry-run",
      description =
          "Print what the run (with --schedule: the schedule) would create (Kubernetes manifests, or the run plan for local runs);"
              + " create, record and contact nothing.")
  boolean dryRun;

  @Option(
      names = {"--output", "-o"},
      paramLabel = "FORMAT",
      description = "Format of --dry-run: yaml or json (default: ${DEFAULT-VALUE}).")
  DryRunFormat output = DryRunFormat.yaml;

  /** Formats of {@code --dry-run}. */
  enum DryRunFormat {
    yaml,
    json
  }

  @Option(
      names = "--schedule",
      paramLabel = "CRON",
      description =
          "Run on this cron schedule from now on (e.g. \"0 3 * * *\") instead of once: a CronJob on Kubernetes.")
  String schedule;

  @Option(
      names = "--schedule-name",
      paramLabel = "NAME",
      description = "Name of the schedule, unique per pipeline (default: ${DEFAULT-VALUE}).")
  String scheduleName = "default";

  @Mixin ProjectOptions projectOptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    UserCode code = UserCode.of(classpath, RunCommand.class.getClassLoader());
    Class<?> type;
    try {
      type = Class.forName(className, true, code.loader());
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          "class " + className + " not found: check the name and --classpath");
    }
    if (maxParallelism != null && maxParallelism < 0) {
      throw new IllegalArgumentException(
          "--max-parallelism must be 0 (no limit) or positive, got " + maxParallelism);
    }
    RunSettings options =
        RunSettings.of(noCache, continueOnFailure, isolation, maxParallelism, sets)
            .withConfig(params, configs);
    if (PipelineDefinition.class.isAssignableFrom(type)) {
      PipelineDefinition definition;
      try {
        definition = (PipelineDefinition) type.getDeclaredConstructor().newInstance();
      } catch (NoSuchMethodException | IllegalAccessException | InstantiationException e) {
        throw new IllegalArgumentException(
            "cannot create pipeline "
                + className
                + ": it needs to be a public class with a public no-argument constructor");
      }
      PipelineSettings settings = definition.settings();
      try (Workspace workspace =
          Workspace.open(projectOptions.project(), spec.commandLine().getErr())) {
        dev.skiff.sdk.Schedule cron =
            schedule == null ? null : new dev.skiff.sdk.Schedule(scheduleName, schedule);
        if (dryRun) { // with --schedule too: print what would be scheduled, create and contact
          // nothing
          out.print(
              new StackRuns(workspace)
                  .dryRun(definition, settings, options, code, output.name(), cron));
          out.flush();
          return 0;
        }
        if (cron != null) {
          new StackRuns(workspace)
              .schedule(
                  definition,
                  settings,
                  options,
                  code,
                  cron,
                  new ConsoleRunPrinter(out, Ansi.auto()));
          return 0;
        }
        StackRuns.Outcome outcome =
            new StackRuns(workspace)
                .run(definition, settings, options, code, new ConsoleRunPrinter(out, Ansi.auto()));
        RunsCommand.printSteps(workspace.store(), outcome.result().runId(), out, Ansi.auto());
        return outcome.result().status().exitCode();
      }
    }
    if (dryRun || schedule != null) {
      // a main method runs its pipeline itself: it cannot be asked to only print or schedule
      throw new IllegalArgumentException(
          (dryRun ? "--dry-run" : "--schedule")
              + " needs a class implementing PipelineDefinition, and "
              + className
              + " is a main class: pass its PipelineDefinition class instead");
    }
    return runMain(type, code, options);
  }

  /** A user's own main that calls Pipeline.run(): run it with this command's settings. */
  private int runMain(Class<?> type, UserCode code, RunSettings options) throws Exception {
    Method main;
    try {
      main = type.getMethod("main", String[].class);
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(
          className + " is neither a PipelineDefinition nor a class with a main method");
    }
    if (!Modifier.isStatic(main.getModifiers())) {
      throw new IllegalArgumentException(className + ".main must be static");
    }
    Thread current = Thread.currentThread();
    ClassLoader previous = current.getContextClassLoader();
    current.setContextClassLoader(code.loader());
    SkiffRuntime.override(
        new SkiffRuntime.Options(
            projectOptions.project(),
            options,
            code,
            spec.commandLine().getOut(),
            spec.commandLine().getErr()));
    try {
      main.invoke(null, (Object) args.toArray(String[]::new));
      return SkiffRuntime.lastStatus().map(s -> s.exitCode()).orElse(0);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    } finally {
      SkiffRuntime.override(null);
      current.setContextClassLoader(previous);
    }
  }
}
