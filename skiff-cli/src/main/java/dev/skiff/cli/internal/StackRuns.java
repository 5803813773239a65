package dev.skiff.cli.internal;

import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.ContainerRegistryFlavor;
import dev.skiff.core.spi.ImageProvider;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.OrchestratorFlavor;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.ResolvedComponent;
import dev.skiff.core.stack.ResolvedStack;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Compiles and runs pipelines on a stack: the active one for new runs, the run's own for resumed
 * ones. The stack's artifact store and orchestrator come from their flavors; a run in progress is
 * stopped cleanly when the JVM is asked to exit (Ctrl-C).
 */
public final class StackRuns {
  private final Workspace workspace;

  public StackRuns(Workspace workspace) {
    this.workspace = workspace;
  }

  /** A compiled run and its outcome. */
  public record Outcome(RunPlan plan, Orchestrator.Result result) {}

  /**
   * Compiles {@code definition} for the active stack, with {@code options} ({@code --set} and its
   * shorthands) over its settings, and runs it.
   */
  public Outcome run(
      PipelineDefinition definition,
      PipelineSettings settings,
      RunSettings options,
      UserCode code,
      RunListener listener) {
    return run(definition, settings, List.of(), options, code, listener);
  }

  /**
   * As {@link #run(PipelineDefinition, PipelineSettings, RunSettings, UserCode, RunListener)}, with
   * the run configuration files of the code ({@code Pipeline.withConfig}) under {@code options}.
   */
  public Outcome run(
      PipelineDefinition definition,
      PipelineSettings settings,
      List<java.nio.file.Path> codeConfigs,
      RunSettings options,
      UserCode code,
      RunListener listener) {
    ResolvedStack stack = workspace.stacks().resolve(workspace.stacks().activeName());
    RunPlan plan = compile(definition, settings, codeConfigs, options, code, stack);
    Orchestrator orchestrator = orchestrator(stack, workspace.artifactStore(stack), code);
    checkStores(stack, orchestrator);
    return new Outcome(plan, whileStoppable(orchestrator, () -> orchestrator.run(plan, listener)));
  }

  /**
   * What a run (or, with {@code schedule}, a schedule) on the active stack would create, without
   * creating, recording or contacting anything.
   */
  public String dryRun(
      PipelineDefinition definition,
      PipelineSettings settings,
      RunSettings options,
      UserCode code,
      String format,
      dev.skiff.sdk.Schedule schedule) {
    ResolvedStack stack = workspace.stacks().resolve(workspace.stacks().activeName());
    RunPlan plan = compile(definition, settings, List.of(), options, code, stack);
    Orchestrator orchestrator = orchestrator(stack, workspace.artifactStore(stack), code);
    orchestrator
        .storeProblems()
        .forEach(workspace::warn); // a dry run still shows what would be sent
    if (schedule == null) {
      return orchestrator.dryRun(plan, format);
    }
    try {
      return orchestrator.dryRunSchedule(plan, schedule, format);
    } catch (UnsupportedOperationException e) {
      throw new IllegalArgumentException(
          "stack '" + stack.name() + "' cannot schedule: " + e.getMessage());
    }
  }

  /** Schedules {@code definition} with the active stack's orchestrator. */
  public RunPlan schedule(
      PipelineDefinition definition,
      PipelineSettings settings,
      RunSettings options,
      UserCode code,
      dev.skiff.sdk.Schedule schedule,
      RunListener listener) {
    return schedule(definition, settings, List.of(), options, code, schedule, listener);
  }

  /** Schedules with the run configuration files of the code under {@code options}. */
  public RunPlan schedule(
      PipelineDefinition definition,
      PipelineSettings settings,
      List<java.nio.file.Path> codeConfigs,
      RunSettings options,
      UserCode code,
      dev.skiff.sdk.Schedule schedule,
      RunListener listener) {
    ResolvedStack stack = workspace.stacks().resolve(workspace.stacks().activeName());
    RunPlan plan = compile(definition, settings, codeConfigs, options, code, stack);
    Orchestrator orchestrator = orchestrator(stack, workspace.artifactStore(stack), code);
    checkStores(stack, orchestrator);
    try {
      orchestrator.schedule(plan, schedule, listener);
    } catch (UnsupportedOperationException e) {
      throw new IllegalArgumentException(
          "stack '" + stack.name() + "' cannot schedule: " + e.getMessage());
    }
    return plan;
  }

  /** The orchestrator of the stack a schedule was made on, for pause, resume and delete. */
  public Orchestrator orchestratorOf(dev.skiff.core.spi.ScheduleRecord schedule) {
    ResolvedStack stack = workspace.stacks().resolve(schedule.stack());
    return orchestrator(
        stack, workspace.artifactStore(stack), UserCode.of(null, StackRuns.class.getClassLoader()));
  }

  /** Stops {@code run} through the orchestrator of the stack it runs on. */
  public void stop(RunRecord run, UserCode code) {
    ResolvedStack stack = workspace.stackOf(run);
    try {
      orchestrator(stack, workspace.artifactStore(stack), code).stop(run.id());
    } catch (UnsupportedOperationException e) {
      throw new IllegalArgumentException(
          "run "
              + run.id()
              + " is on a "
              + run.orchestrator()
              + " orchestrator: "
              + e.getMessage());
    }
  }

  /**
   * Resumes {@code run} on the stack it was started on, with its plan. {@code options} ({@code
   * --set}, {@code --isolation}) are set over the plan's resolved settings for this resume, at
   * pipeline level and in every step: they win over everything the plan holds.
   */
  public Orchestrator.Result resume(
      RunRecord run, RunSettings options, UserCode code, RunListener listener) {
    ResolvedStack stack = workspace.stackOf(run);
    RunPlan plan = RunPlan.fromJson(run.planJson());
    RunPlan changed =
        new PlanCompiler(Materializers.load(code.loader()), workspace::warn)
            .override(plan, stack, options.parse(workspace.stacks().flavors()));
    Orchestrator orchestrator = orchestrator(stack, workspace.artifactStore(stack), code);
    checkStores(stack, orchestrator);
    if (changed.toJson().equals(plan.toJson())) {
      return whileStoppable(orchestrator, () -> orchestrator.resume(run.id(), listener));
    }
    try {
      return whileStoppable(orchestrator, () -> orchestrator.resume(run.id(), changed, listener));
    } catch (UnsupportedOperationException e) {
      throw new IllegalArgumentException(
          "run "
              + run.id()
              + " is on a "
              + run.orchestrator()
              + " orchestrator: "
              + e.getMessage());
    }
  }

  private RunPlan compile(
      PipelineDefinition definition,
      PipelineSettings settings,
      List<java.nio.file.Path> codeConfigs,
      RunSettings options,
      UserCode code,
      ResolvedStack stack) {
    var config = options.config(workspace.stacks().flavors(), codeConfigs);
    return new PlanCompiler(Materializers.load(code.loader()), workspace::warn)
        .compile(definition, settings, stack, config);
  }

  /**
   * What would stop a run on {@code stack} before its first step: the artifact store's own check
   * (reachable, bucket present, credentials accepted) and whether the orchestrator's executors can
   * reach the stores. Empty when the stack is ready; one line per problem.
   */
  public List<String> problems(ResolvedStack stack) {
    List<String> problems = new java.util.ArrayList<>();
    try {
      workspace.artifactStore(stack).check();
    } catch (RuntimeException e) {
      problems.add(e.getMessage());
    }
    try {
      problems.addAll(
          orchestrator(
                  stack,
                  workspace.artifactStore(stack),
                  UserCode.of(null, StackRuns.class.getClassLoader()))
              .storeProblems());
    } catch (RuntimeException e) {
      problems.add(e.getMessage());
    }
    return problems;
  }

  /**
   * Before anything is built, pushed or sent: the executors can reach the stores (a remote
   * orchestrator's pods cannot see this machine's folders or SQLite file), and the artifact store
   * answers (bucket present, credentials accepted), so no step fails on it mid-run.
   */
  private void checkStores(ResolvedStack stack, Orchestrator orchestrator) {
    List<String> problems = orchestrator.storeProblems();
    if (!problems.isEmpty()) {
      throw new ConfigException(problems.get(0));
    }
    workspace.artifactStore(stack).check();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Orchestrator orchestrator(ResolvedStack stack, ArtifactStore artifacts, UserCode code) {
    ResolvedComponent c = stack.required(ComponentType.ORCHESTRATOR);
    if (!(c.flavor() instanceof OrchestratorFlavor flavor)) {
      throw new ConfigException(
          "orchestrator flavor '" + c.flavor().name() + "' cannot run pipelines");
    }
    Record config = workspace.configure(c.record());
    // what the run records (errors, step logs) passes the redactor: secret values show as
    // references
    OrchestratorContext context =
        new OrchestratorContext(
            dev.skiff.core.spi.Redaction.metadataStore(workspace.store(), Redactor::redact),
            workspace.storeAccess(stack),
            dev.skiff.core.spi.Redaction.artifactStore(artifacts, Redactor::redact),
            Materializers.load(code.loader()),
            code.loader(),
            code.fullClasspath(),
            stack.name(),
            images(stack, code).orElse(null),
            workspace::resolveSecrets);
    return ((OrchestratorFlavor) flavor).create(config, context);
  }

  /** The image builder of the stack's container registry, if it has one. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  Optional<ImageProvider> images(ResolvedStack stack, UserCode code) {
    return stack
        .component(ComponentType.CONTAINER_REGISTRY)
        .map(
            c -> {
              if (!(c.flavor() instanceof ContainerRegistryFlavor flavor)) {
                throw new ConfigException(
                    "container-registry flavor '" + c.flavor().name() + "' cannot build images");
              }
              return flavor.images(
                  workspace.configure(c.record()), code.fullClasspath(), System.out);
            });
  }

  /** Builds and pushes the image of {@code definition} to the active stack's container registry. */
  public ImageProvider.PushedImage build(
      PipelineDefinition definition, PipelineSettings settings, UserCode code) {
    return build(definition, settings, RunSettings.NONE, code);
  }

  /** Builds with {@code options} ({@code --config}) applied to the plan the image is made from. */
  public ImageProvider.PushedImage build(
      PipelineDefinition definition,
      PipelineSettings settings,
      RunSettings options,
      UserCode code) {
    ResolvedStack stack = workspace.stacks().resolve(workspace.stacks().activeName());
    ImageProvider images =
        images(stack, code)
            .orElseThrow(
                () ->
                    new ConfigException(
                        "stack '"
                            + stack.name()
                            + "' has no container registry: add one with 'skiff stack update "
                            + stack.name()
                            + " -c REGISTRY'"));
    RunPlan plan = compile(definition, settings, List.of(), options, code, stack);
    return images.build(plan);
  }

  /** On Ctrl-C the run is stopped and recorded as STOPPED before the JVM exits. */
  private static <T> T whileStoppable(Orchestrator orchestrator, Supplier<T> body) {
    if (orchestrator.runsRemotely() && System.console() != null) {
      return withStopPrompt(orchestrator, body);
    }
    CountDownLatch done = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              orchestrator.stop();
              try {
                done.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "skiff-stop-run");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return body.get();
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook is running
      }
    }
  }

  /**
   * A remote run goes on without this client, so Ctrl-C asks: stop it (its pods are deleted and it
   * is recorded as stopped; exit 130) or leave it running (exit 0; follow it later with {@code
   * skiff runs logs}).
   */
  @SuppressWarnings("removal")
  private static <T> T withStopPrompt(Orchestrator orchestrator, Supplier<T> body) {
    sun.misc.Signal interrupt = new sun.misc.Signal("INT");
    sun.misc.SignalHandler previous =
        sun.misc.Signal.handle(
            interrupt,
            signal -> {
              java.io.Console console = System.console();
              String answer =
                  console == null
                      ? "y"
                      : console.readLine("%nStop the run? Its pods will be deleted. [y/N] ");
              if (answer != null
                  && answer.trim().toLowerCase(java.util.Locale.ROOT).startsWith("y")) {
                orchestrator.stop();
                System.exit(130);
              }
              System.out.println(
                  "The run goes on in the cluster: follow it with 'skiff runs logs RUN', stop it with 'skiff runs stop RUN'.");
              System.exit(0);
            });
    try {
      return body.get();
    } finally {
      sun.misc.Signal.handle(interrupt, previous);
    }
  }
}
