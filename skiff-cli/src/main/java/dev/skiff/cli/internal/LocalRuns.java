package dev.skiff.cli.internal;

import dev.skiff.cli.Project;
import dev.skiff.core.ArtifactStore;
import dev.skiff.core.Materializers;
import dev.skiff.core.MetadataStore;
import dev.skiff.core.PlanCompiler;
import dev.skiff.core.RunListener;
import dev.skiff.core.RunPlan;
import dev.skiff.local.LocalOrchestrator;
import dev.skiff.local.LocalOrchestratorConfig;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;

/**
 * Compiles and runs pipelines on the local orchestrator of a project, stopping the run cleanly
 * when the JVM is asked to exit (Ctrl-C).
 */
public final class LocalRuns implements AutoCloseable {
  private final Project project;
  private final MetadataStore store;
  private final ArtifactStore artifacts;

  public LocalRuns(Project project) {
    this.project = project;
    this.store = project.openMetadataStore();
    this.artifacts = project.openArtifactStore();
  }

  public MetadataStore store() {
    return store;
  }

  public RunPlan compile(PipelineDefinition definition, PipelineSettings settings, ClassLoader loader) {
    return new PlanCompiler(Materializers.load(loader)).compile(definition, settings);
  }

  public LocalOrchestrator.Result run(RunPlan plan, LocalOrchestratorConfig config, UserCode code, RunListener listener) {
    LocalOrchestrator orchestrator = orchestrator(config, code);
    return whileStoppable(orchestrator, () -> orchestrator.run(plan, listener));
  }

  public LocalOrchestrator.Result resume(String runId, LocalOrchestratorConfig config, UserCode code, RunListener listener) {
    LocalOrchestrator orchestrator = orchestrator(config, code);
    return whileStoppable(orchestrator, () -> orchestrator.resume(runId, listener));
  }

  private LocalOrchestrator orchestrator(LocalOrchestratorConfig config, UserCode code) {
    return new LocalOrchestrator(
        store,
        artifacts,
        config,
        Materializers.load(code.loader()),
        code.loader(),
        new LocalOrchestrator.StoreAddresses(project.metadataUrl(), project.artifactUri(), code.fullClasspath()));
  }

  /** On Ctrl-C the run is stopped and recorded as STOPPED before the JVM exits. */
  private static LocalOrchestrator.Result whileStoppable(LocalOrchestrator orchestrator, java.util.function.Supplier<LocalOrchestrator.Result> body) {
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              orchestrator.stop();
              try {
                done.await(10, java.util.concurrent.TimeUnit.SECONDS);
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

  public static int exitCode(RunStatus status) {
    return status.exitCode();
  }

  @Override
  public void close() {
    store.close();
  }
}
