package dev.skiff.local;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.StepStatus;
import dev.skiff.store.MetadataStores;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Real SQLite store and local artifact store in a temp folder, and helpers to run pipelines. */
final class LocalHarness implements AutoCloseable {
  final Path dir;
  final MetadataStore store;
  final ArtifactStore artifacts;
  final Materializers materializers = Materializers.load(LocalHarness.class.getClassLoader());
  final List<RunEvent> events = new CopyOnWriteArrayList<>();
  RunListener extraListener = RunListener.NONE;

  LocalHarness(Path dir) {
    this.dir = dir;
    this.store = MetadataStores.sqlite(dir.resolve("skiff.db"));
    try {
      this.artifacts = new LocalArtifactStore(dir.resolve("artifacts"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  RunPlan compile(PipelineDefinition definition, Consumer<PipelineSettings.Builder> settings) {
    PipelineSettings.Builder b = PipelineSettings.newBuilder();
    settings.accept(b);
    return new PlanCompiler(materializers).compile(definition, b.build());
  }

  LocalOrchestrator orchestrator(LocalOrchestratorConfig config) {
    return orchestrator(config, artifacts);
  }

  LocalOrchestrator orchestrator(LocalOrchestratorConfig config, ArtifactStore artifacts) {
    return new LocalOrchestrator(
        store,
        artifacts,
        config,
        materializers,
        LocalHarness.class.getClassLoader(),
        new LocalOrchestrator.StoreAddresses(
            "jdbc:sqlite:" + dir.resolve("skiff.db"),
            dir.resolve("artifacts").toUri().toString(),
            System.getProperty("java.class.path")));
  }

  LocalOrchestrator.Result run(
      PipelineDefinition definition, Consumer<PipelineSettings.Builder> settings) {
    return run(compile(definition, settings), LocalOrchestratorConfig.DEFAULTS);
  }

  LocalOrchestrator.Result run(RunPlan plan, LocalOrchestratorConfig config) {
    events.clear();
    return orchestrator(config).run(plan, listener());
  }

  LocalOrchestrator.Result resume(String runId) {
    events.clear();
    return orchestrator(LocalOrchestratorConfig.DEFAULTS).resume(runId, listener());
  }

  RunListener listener() {
    return e -> {
      events.add(e);
      extraListener.onEvent(e);
    };
  }

  Map<String, StepStatus> statuses(String runId) {
    return store.listSteps(runId).stream()
        .collect(Collectors.toMap(StepRecord::name, StepRecord::status));
  }

  StepRecord step(String runId, String step) {
    return store.findStep(runId, step).orElseThrow();
  }

  <T extends RunEvent> List<T> events(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Override
  public void close() {
    store.close();
  }
}
