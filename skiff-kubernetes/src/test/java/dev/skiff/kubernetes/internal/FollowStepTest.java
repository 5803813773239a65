package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.kubernetes.FakeCluster;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Following a run: the orchestrator pod's event lines reach the listener as the events it wrote,
 * and its other output as orchestrator lines. The pod here is a JVM on this machine running {@link
 * ScriptedOrchestrator}, which writes a fixed script of events and records the run's end.
 */
@Timeout(120)
class FollowStepTest {
  static final String NS = FakeCluster.DEFAULT_NAMESPACE;
  static final String IMAGE = "registry.local/skiff:scripted-orchestrator";
  static FakeCluster cluster;

  @TempDir Path dir;
  MetadataStore store;
  StoreAccess stores;
  final List<RunEvent> events = new CopyOnWriteArrayList<>();

  /** Writes, as the real orchestrator pod would, the events of a one-step run, and ends it. */
  public static final class ScriptedOrchestrator {
    public static void main(String[] args) {
      String runId = PodMain.option(args, "run");
      PodEnvironment env = PodEnvironment.fromEnv();
      try (MetadataStore store = env.openStore(ScriptedOrchestrator.class.getClassLoader())) {
        RunPlan plan = PodEnvironment.plan(store, runId);
        var out = new RunEventWriter(System.out, UnaryOperator.identity());
        out.onEvent(new RunEvent.RunStarted(runId, plan, false));
        out.onEvent(new RunEvent.StepStarted(runId, "hello", 1));
        out.onEvent(new RunEvent.StepLogLine(runId, "hello", "hello from the step"));
        System.err.println("WARNING: something the JVM says on stderr");
        out.onEvent(new RunEvent.StepLogLine(runId, "hello", "hello | looks like a prefix"));
        out.onEvent(new RunEvent.StepSucceeded(runId, "hello", 1, Duration.ofMillis(42)));
        store.updateRun(runId, RunStatus.SUCCEEDED, Instant.now(), null);
        out.onEvent(
            new RunEvent.RunFinished(runId, RunStatus.SUCCEEDED, null, Duration.ofMillis(50)));
      }
    }
  }

  @BeforeAll
  static void start() {
    cluster = FakeCluster.start();
    cluster.images().registerJavaMain(IMAGE, ScriptedOrchestrator.class);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @BeforeEach
  void open() throws java.io.IOException {
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
    stores =
        new StoreAccess(
            "jdbc:sqlite:" + dir.resolve("skiff.db"),
            null,
            new LocalArtifactStore(dir.resolve("artifacts")).uri());
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void theListenerGetsThePodsEventsAndItsOtherLinesOnceEach() {
    KubernetesOrchestratorConfig config =
        SubmissionFixtures.config("image", IMAGE, "podStartupTimeout", "PT60S");
    RunPlan plan = SubmissionFixtures.plan(config);
    KubernetesSettings settings = KubernetesSettings.of(plan, config);
    Manifests manifests = new Manifests(config, IMAGE);
    new RbacStep(cluster.client(), NS, null).ensure(manifests);
    String runId = SubmissionFixtures.recordRun(store, plan);
    Job job =
        new JobSubmission(cluster.client(), NS, store, stores)
            .submit(plan, runId, settings, manifests);

    RunStatus status =
        new FollowStep(cluster.client(), NS, store)
            .follow(plan, runId, job, settings, true, events::add);

    assertThat(status).as("events: %s", events).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(events.get(0)).isEqualTo(new RunEvent.RunStarted(runId, plan, true));
    assertThat(events.subList(1, events.size() - 1))
        .as("events: %s", events)
        .containsExactly(
            new RunEvent.StepStarted(runId, "hello", 1),
            new RunEvent.StepLogLine(runId, "hello", "hello from the step"),
            new RunEvent.OrchestratorLine(runId, "WARNING: something the JVM says on stderr"),
            new RunEvent.StepLogLine(runId, "hello", "hello | looks like a prefix"),
            new RunEvent.StepSucceeded(runId, "hello", 1, Duration.ofMillis(42)));
    assertThat(events.get(events.size() - 1))
        .isInstanceOfSatisfying(
            RunEvent.RunFinished.class, f -> assertThat(f.status()).isEqualTo(RunStatus.SUCCEEDED));
  }

  @Test
  void anAsynchronousRunReturnsAtOnceSayingHowToFollowIt() {
    KubernetesOrchestratorConfig config = SubmissionFixtures.config("synchronous", false);
    RunPlan plan = SubmissionFixtures.plan(config);
    cluster.resetApiRequests();

    RunStatus status =
        new FollowStep(cluster.client(), NS, store)
            .follow(
                plan,
                "hello-1",
                new Job(),
                KubernetesSettings.of(plan, config),
                false,
                events::add);

    assertThat(status).isEqualTo(RunStatus.RUNNING);
    assertThat(events)
        .containsExactly(
            new RunEvent.OrchestratorLine(
                "hello-1",
                "Submitted run hello-1 to namespace skiff; follow it with 'skiff runs logs hello-1'"));
    assertThat(cluster.apiRequests()).isEmpty();
  }
}
