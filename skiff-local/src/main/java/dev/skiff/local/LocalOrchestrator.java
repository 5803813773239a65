package dev.skiff.local;

import dev.skiff.core.engine.DagScheduler;
import dev.skiff.core.engine.RunIds;
import dev.skiff.core.engine.StepExecutor;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.sdk.RunStatus;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * Runs plans on this machine: records the run, then drives the {@link DagScheduler} with an
 * in-process or subprocess launcher until the run ends.
 */
public final class LocalOrchestrator implements Orchestrator {
  private final MetadataStore store;
  private final ArtifactStore artifacts;
  private final LocalOrchestratorConfig config;
  private final Materializers materializers;
  private final ClassLoader loader;
  private final StoreAddresses addresses;
  private final UnaryOperator<String> secrets;
  private final AtomicReference<DagScheduler> current = new AtomicReference<>();

  /** How a step subprocess reaches the stores, and its class path. */
  public record StoreAddresses(dev.skiff.core.spi.StoreAccess stores, String classpath) {
    /** Stores reached by a metadata URL and an artifact store URI. */
    public StoreAddresses(String metadataUrl, String artifactUri, String classpath) {
      this(new dev.skiff.core.spi.StoreAccess(metadataUrl, null, artifactUri), classpath);
    }
  }

  /**
   * @param addresses needed for {@link Isolation#PROCESS}; may be null with {@link
   *     Isolation#THREAD}
   */
  public LocalOrchestrator(
      MetadataStore store,
      ArtifactStore artifacts,
      LocalOrchestratorConfig config,
      Materializers materializers,
      ClassLoader loader,
      StoreAddresses addresses) {
    this(
        store, artifacts, config, materializers, loader, addresses, OrchestratorContext.NO_SECRETS);
  }

  /**
   * @param secrets resolves secret references in the {@code jvmArgs} of step processes when they
   *     start (see {@link OrchestratorContext#secrets()})
   */
  public LocalOrchestrator(
      MetadataStore store,
      ArtifactStore artifacts,
      LocalOrchestratorConfig config,
      Materializers materializers,
      ClassLoader loader,
      StoreAddresses addresses,
      UnaryOperator<String> secrets) {
    if (config.isolation() == Isolation.PROCESS && addresses == null) {
      throw new IllegalArgumentException(
          "process isolation needs the store addresses and class path");
    }
    this.store = store;
    this.artifacts = artifacts;
    this.config = config;
    this.materializers = materializers;
    this.loader = loader;
    this.addresses = addresses;
    this.secrets = secrets;
  }

  /** Records a new run of {@code plan} and runs it; returns its id and final status. */
  @Override
  public Result run(RunPlan plan, RunListener listener) {
    dev.skiff.core.internal.StepCode.checkRecreatable(plan.pipelineClass(), loader);
    String runId = RunIds.newId(plan.pipeline());
    store.createRun(
        new RunRecord(
            runId,
            plan.pipeline(),
            RunStatus.RUNNING,
            "local",
            plan.hash(),
            plan.toJson(),
            Instant.now(),
            null,
            null));
    return new Result(runId, execute(plan, runId, listener));
  }

  /** Runs a failed or stopped run again: steps that have outputs keep them. */
  @Override
  public Result resume(String runId, RunListener listener) {
    RunRecord run =
        store
            .findRun(runId)
            .orElseThrow(() -> new IllegalArgumentException("run " + runId + " not found"));
    return resume(runId, RunPlan.fromJson(run.planJson()), listener);
  }

  /**
   * Resumes with the run's plan as {@code plan} has it: its settings changed for this resume
   * ({@code skiff runs resume --isolation process}); steps read only their code and wiring from the
   * stored plan, which is the same.
   */
  @Override
  public Result resume(String runId, RunPlan plan, RunListener listener) {
    RunRecord run =
        store
            .findRun(runId)
            .orElseThrow(() -> new IllegalArgumentException("run " + runId + " not found"));
    if (!run.pipeline().equals(plan.pipeline())) {
      throw new IllegalArgumentException(
          "run " + runId + " is a run of pipeline " + run.pipeline() + ", not " + plan.pipeline());
    }
    dev.skiff.core.engine.RunLifecycle.prepareResume(store, runId, Instant.now());
    return new Result(runId, execute(plan, runId, listener));
  }

  /**
   * Stops a run from another process: records the request, which the run's driver obeys within a
   * second; a run whose process died is recorded as stopped here.
   */
  @Override
  public void stop(String runId) {
    if (dev.skiff.core.engine.RunLifecycle.requestStop(store, runId)) {
      try {
        dev.skiff.core.engine.RunLifecycle.awaitStopped(
            store, runId, java.time.Duration.ofSeconds(15));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the run in progress, if any. */
  @Override
  public void stop() {
    DagScheduler s = current.get();
    if (s != null) {
      s.stop();
    }
  }

  private RunStatus execute(RunPlan plan, String runId, RunListener listener) {
    try (StepLauncher launcher = launcher(settings(plan))) {
      DagScheduler scheduler =
          new DagScheduler(store, launcher, listener, artifacts).withMaterializers(materializers);
      current.set(scheduler);
      try {
        return scheduler.run(plan, runId);
      } finally {
        current.set(null);
      }
    }
  }

  /**
   * The run's {@code orchestrator.local} settings at pipeline level, as the plan holds them
   * (resolved by {@code SettingsResolver}: configuration &lt; pipeline &lt; {@code --set}); this
   * component's configuration for plans compiled without a stack.
   */
  private LocalOrchestratorConfig settings(RunPlan plan) {
    return plan.setting(LocalOrchestratorFlavor.SETTINGS_KEY, LocalOrchestratorConfig.class)
        .orElse(config);
  }

  private StepLauncher launcher(LocalOrchestratorConfig settings) {
    if (settings.isolation() == Isolation.PROCESS && addresses == null) {
      throw new IllegalStateException("process isolation needs the store addresses and class path");
    }
    StepLauncher base =
        settings.isolation() == Isolation.THREAD
            ? new InProcessLauncher(new StepExecutor(store, artifacts, materializers, loader))
            : new SubprocessLauncher(
                store, addresses.stores(), addresses.classpath(), settings.jvmArgs(), secrets);
    int limit = settings.maxParallelism();
    return limit == 0
        ? base
        : new StepLauncher() {
          @Override
          public dev.skiff.core.spi.LaunchedStep launch(dev.skiff.core.spi.StepLaunch launch) {
            return base.launch(launch);
          }

          @Override
          public int maxParallelism() {
            return limit;
          }

          @Override
          public void close() {
            base.close();
          }
        };
  }
}
