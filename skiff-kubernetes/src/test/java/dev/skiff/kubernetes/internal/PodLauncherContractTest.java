package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.PodSettings;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.StepLauncherContractTest;
import dev.skiff.testing.kubernetes.FakeCluster;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher contract on pods of the test cluster. The pods' containers are host JVMs on this
 * module's test class path (a registered image, not one pulled into podman): the contract's steps
 * meet the test through a folder of this machine, and the stores are an SQLite file and a local
 * folder. Real containers are covered by {@code KubernetesEndToEndTest}.
 */
class PodLauncherContractTest extends StepLauncherContractTest {
  static final String IMAGE = "registry.local/skiff:launcher-contract";
  @TempDir static Path dir;
  FakeCluster cluster;
  MetadataStore store;
  StoreAccess access;
  Manifests manifests;

  @BeforeAll
  void startCluster() throws IOException {
    cluster = FakeCluster.start();
    cluster.images().registerJavaMain(IMAGE, PodMain.class);
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
    access =
        new StoreAccess(
            "jdbc:sqlite:" + dir.resolve("skiff.db"),
            null,
            new LocalArtifactStore(dir.resolve("artifacts")).uri());
    var config =
        new KubernetesOrchestratorConfig(
            null,
            FakeCluster.DEFAULT_NAMESPACE,
            "default",
            true,
            IMAGE,
            null,
            0,
            false,
            Duration.ofSeconds(60),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    manifests = new Manifests(config, IMAGE);
  }

  @AfterAll
  void stopCluster() {
    if (store != null) {
      store.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected MetadataStore store() {
    return store;
  }

  /**
   * A launcher as the orchestrator pod makes it, with the run Secret its step pods read the stores
   * from.
   */
  @Override
  protected StepLauncher newLauncher(RunPlan plan, String runId) {
    cluster
        .client()
        .secrets()
        .inNamespace(FakeCluster.DEFAULT_NAMESPACE)
        .resource(manifests.runSecret(runId, plan.pipeline(), access))
        .createOr(NonDeletingOperation::update);
    var options =
        PodLauncher.Options.newBuilder(FakeCluster.DEFAULT_NAMESPACE, runId)
            .podSettings(step -> PodSettings.EMPTY, Duration.ofSeconds(60))
            .build();
    return new PodLauncher(cluster.client(), store, manifests, options);
  }

  /** The pod is deleted (by hand, or as after its node was lost). */
  @Override
  protected void loseInfrastructure(RunningAttempt attempt) {
    String pod = Names.stepPod(attempt.runId(), attempt.step(), attempt.attempt());
    assertThat(cluster.pod(FakeCluster.DEFAULT_NAMESPACE, pod)).as("the attempt's pod").isPresent();
    cluster.client().pods().inNamespace(FakeCluster.DEFAULT_NAMESPACE).withName(pod).delete();
  }

  /** Creating a pod that exists adopts it. */
  @Override
  protected boolean adoptsRelaunchedAttempts() {
    return true;
  }
}
