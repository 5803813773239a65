package dev.skiff.kubernetes.internal;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.internal.Json;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ImageProvider;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the tests of the submission steps share: a one-step plan, configurations, a context. */
final class SubmissionFixtures {
  static final String IMAGE = "registry.local/skiff:steps";

  private SubmissionFixtures() {}

  public static final class OneStep implements PipelineDefinition {
    static String hello() {
      System.out.println("hello from the step");
      return "hi";
    }

    @Override
    public String name() {
      return "hello";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("hello", OneStep::hello);
    }
  }

  /** The configuration: {@code keyValues} over the defaults (context "fake", {@link #IMAGE}). */
  static KubernetesOrchestratorConfig config(Object... keyValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("kubernetesContext", "fake");
    map.put("image", IMAGE);
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put((String) keyValues[i], keyValues[i + 1]);
    }
    return Json.mapper().convertValue(map, KubernetesOrchestratorConfig.class);
  }

  static RunPlan plan(KubernetesOrchestratorConfig config) {
    return new PlanCompiler(Materializers.load(SubmissionFixtures.class.getClassLoader()))
        .compile(new OneStep(), PipelineSettings.DEFAULTS, InClusterTest.stack(config));
  }

  /** A context on an SQLite file and an artifact folder in {@code dir}. */
  static OrchestratorContext context(MetadataStore store, Path dir, ImageProvider images) {
    LocalArtifactStore artifacts;
    try {
      artifacts = new LocalArtifactStore(dir.resolve("artifacts"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    ClassLoader loader = SubmissionFixtures.class.getClassLoader();
    return new OrchestratorContext(
        store,
        new StoreAccess("jdbc:sqlite:" + dir.resolve("skiff.db"), null, artifacts.uri()),
        artifacts,
        Materializers.load(loader),
        loader,
        System.getProperty("java.class.path"),
        "k8s",
        images);
  }

  /** Records a running run of {@code plan}, as a run does before its Job is created. */
  static String recordRun(MetadataStore store, RunPlan plan) {
    String runId = dev.skiff.core.engine.RunIds.newId(plan.pipeline());
    store.createRun(
        new RunRecord(
            runId,
            plan.pipeline(),
            RunStatus.RUNNING,
            KubernetesOrchestrator.NAME,
            plan.hash(),
            plan.toJson(),
            Instant.now(),
            null,
            null));
    return runId;
  }
}
