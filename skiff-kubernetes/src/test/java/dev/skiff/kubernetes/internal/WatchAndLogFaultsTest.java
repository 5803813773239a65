package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.DagScheduler;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.engine.RunIds;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.PodSettings;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.kubernetes.ApiFault;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.LogStreamCut;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watches and log streams that break as they do on real clusters: the orchestrator's pod informer
 * killed mid-run (its relist refused), and a followed log cut off mid-stream. The orchestrator's
 * part (the scheduler and {@link PodLauncher}, as in the orchestrator pod) runs in this JVM; step
 * pods are host JVMs on this module's test class path ({@code PodMain} registered as the image) and
 * share this machine's SQLite file and artifact folder: containers would add nothing here.
 */
@Timeout(180)
class WatchAndLogFaultsTest {
  static final String IMAGE = "registry.local/skiff:watch-faults";
  static final String NS = FakeCluster.DEFAULT_NAMESPACE;
  static FakeCluster cluster;

  @TempDir Path dir;
  MetadataStore store;
  LocalArtifactStore artifacts;
  Manifests manifests;
  final List<RunEvent> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startCluster() {
    cluster = FakeCluster.start();
    cluster.images().registerJavaMain(IMAGE, PodMain.class);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void openStores() throws IOException {
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
    artifacts = new LocalArtifactStore(dir.resolve("artifacts"));
    manifests = new Manifests(config(), IMAGE);
  }

  @AfterEach
  void closeStores() {
    store.close();
  }

  static KubernetesOrchestratorConfig config() {
    return new KubernetesOrchestratorConfig(
        null,
        NS,
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
  }

  /** A run of {@code first → second} (second waits for the release file), as the orchestrator. */
  final class Run {
    final String id;
    final CompletableFuture<RunStatus> status;

    Run() {
      this(false);
    }

    Run(boolean keepPods) {
      RunPlan plan =
          new PlanCompiler(Materializers.load(getClass().getClassLoader()))
              .compile(
                  new InClusterTest.Gated(new InClusterTest.Gate(dir.toString())),
                  PipelineSettings.DEFAULTS);
      id = RunIds.newId(plan.pipeline());
      store.createRun(
          new RunRecord(
              id,
              plan.pipeline(),
              RunStatus.RUNNING,
              "kubernetes",
              plan.hash(),
              plan.toJson(),
              Instant.now(),
              null,
              null));
      StoreAccess access =
          new StoreAccess("jdbc:sqlite:" + dir.resolve("skiff.db"), null, artifacts.uri());
      cluster
          .client()
          .secrets()
          .inNamespace(NS)
          .resource(manifests.runSecret(id, plan.pipeline(), access))
          .create();
      var options =
          PodLauncher.Options.newBuilder(NS, id)
              .podSettings(s -> PodSettings.EMPTY, Duration.ofSeconds(60))
              .keepPods(keepPods)
              .build();
      status =
          CompletableFuture.supplyAsync(
              () -> {
                try (PodLauncher launcher =
                    new PodLauncher(cluster.client(), store, manifests, options)) {
                  return new DagScheduler(store, launcher, events::add, artifacts).run(plan, id);
                }
              });
    }

    /**
     * The informer's lists of this run's pods (not its watches), as the URI the API server sees.
     */
    String podLists() {
      return "^/api/v1/namespaces/"
          + NS
          + "/pods\\?(?!.*watch=)labelSelector=skiff\\.dev%2Frun%3D"
          + Names.labelValue(id)
          + "(&|$)";
    }

    void awaitSecondStarted() {
      cluster.await(
          "step 'second' to start",
          Duration.ofSeconds(90),
          () -> Files.exists(dir.resolve("second.started")));
    }

    /** Every later watch of the run's pods gets 410 Gone, and the open one is closed. */
    void expireTheWatch() {
      cluster.expireResourceVersions();
      cluster.dropWatches("/pods\\?.*skiff\\.dev%2Frun%3D" + Names.labelValue(id));
    }
  }

  void release() throws IOException {
    Files.writeString(dir.resolve("release"), "go");
  }

  List<String> logOf(String step) {
    return events.stream()
        .filter(e -> e instanceof RunEvent.StepLogLine l && l.step().equals(step))
        .map(e -> ((RunEvent.StepLogLine) e).line())
        .toList();
  }

  @Test
  void anInformerKilledMidRunIsStartedAgainAndTheRunSucceeds() throws Exception {
    Run run = new Run();
    run.awaitSecondStarted();
    // after the 410 the informer lists again, and the API refuses: it gives up, stops, and the
    // first new informer's list is refused too
    ApiFault refused =
        cluster.failNextRequests("GET", run.podLists(), 403, PodLauncher.FAILED_RELISTS + 1);
    run.expireTheWatch();
    cluster.await("the relists refused", Duration.ofSeconds(60), () -> refused.remaining() == 0);
    release();

    assertThat(run.status.get(90, TimeUnit.SECONDS))
        .as("events: %s", events)
        .isEqualTo(RunStatus.SUCCEEDED);
    assertThat(logOf("second")).containsOnlyOnce("second released");
  }

  @Test
  void anInformerThatCannotListAnyMoreFailsTheRunInsteadOfHanging() throws Exception {
    Run run = new Run();
    run.awaitSecondStarted();
    ApiFault refused = cluster.failNextRequests("GET", run.podLists(), 403, 1_000);
    try {
      run.expireTheWatch();

      assertThat(run.status.get(150, TimeUnit.SECONDS)).isEqualTo(RunStatus.FAILED);
      RunRecord record = store.findRun(run.id).orElseThrow();
      assertThat(record.error())
          .contains("cannot watch the pods of run " + run.id + " any more")
          .contains("(403)");
    } finally {
      refused.cancel();
      release();
    }
  }

  List<Pod> podsOf(String runId) {
    return cluster.pods(NS).stream()
        .filter(
            p ->
                Names.labelValue(runId)
                    .equals(p.getMetadata().getLabels().get(Labels.RUN_SELECTOR)))
        .toList();
  }

  @Test
  void succeededPodsAreDeletedTogetherOnceRead() throws Exception {
    release();
    cluster.resetApiRequests();
    Run run = new Run();
    assertThat(run.status.get(90, TimeUnit.SECONDS)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(podsOf(run.id)).isEmpty();
    String pods = "^/api/v1/namespaces/" + NS + "/pods";
    assertThat(
            cluster.apiRequestCount(
                "DELETE", pods + "\\?.*fieldSelector=status\\.phase%3DSucceeded"))
        .as("one deletecollection for both pods")
        .isEqualTo(1);
    assertThat(cluster.apiRequestCount("DELETE", pods + "/")).as("single deletes").isZero();
    assertThat(logOf("first")).contains("first ran");
  }

  @Test
  void keepPodsKeepsSucceededPods() throws Exception {
    release();
    Run kept = new Run(true);
    assertThat(kept.status.get(90, TimeUnit.SECONDS)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(podsOf(kept.id)).hasSize(2);
  }

  /** A pod whose container prints {@code line 1} … {@code line N}, and waits for gates between. */
  Pod printingPod(String name, String script) {
    cluster.images().register("registry.local/lines:" + name, List.of("sh", "-c", script));
    return cluster
        .client()
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName(Manifests.CONTAINER)
                .withImage("registry.local/lines:" + name)
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  static String printLines(int from, int to) {
    return "i=" + from + "; while [ $i -le " + to + " ]; do echo \"line $i\"; i=$((i+1)); done";
  }

  static List<String> lines(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i).toList();
  }

  List<String> follow(String pod) {
    List<String> seen = new CopyOnWriteArrayList<>();
    List<String> problems = new CopyOnWriteArrayList<>();
    LogFollow.follow(
        cluster.client(),
        NS,
        pod,
        () -> cluster.pod(NS, pod).orElse(null),
        seen::add,
        problems::add);
    assertThat(problems).isEmpty();
    return seen;
  }

  /**
   * A log read to its end gives its connection back: a TLS handshake per step (a thousand for a
   * thousand steps) cost the orchestrator a third of its CPU and delayed the watch events queued
   * behind them.
   */
  @Test
  void logsReadOneAfterAnotherShareOneConnection() {
    for (int i = 1; i <= 5; i++) {
      printingPod("reuse-" + i, printLines(1, 3));
      cluster.awaitPod(NS, "reuse-" + i, "Succeeded", Duration.ofSeconds(30));
    }
    assertThat(follow("reuse-1")).containsExactlyElementsOf(lines(1, 3));
    long before = cluster.apiConnections();

    for (int i = 2; i <= 5; i++) {
      assertThat(follow("reuse-" + i)).containsExactlyElementsOf(lines(1, 3));
    }
    assertThat(cluster.apiConnections() - before)
        .as("connections opened to read 4 more logs one after another")
        .isLessThanOrEqualTo(1);
  }

  @Test
  void aLogStreamCutAfterTheContainerEndedIsReadToItsEndWithEveryLineOnce() {
    printingPod("cut-after-end", printLines(1, 60));
    cluster.awaitPod(NS, "cut-after-end", "Succeeded", Duration.ofSeconds(30));
    LogStreamCut first = cluster.cutLogStreams("^cut-after-end$", 10, 1);
    LogStreamCut second = cluster.cutLogStreams("^cut-after-end$", 35, 1);

    assertThat(follow("cut-after-end")).containsExactlyElementsOf(lines(1, 60));
    assertThat(first.hits()).isEqualTo(1);
    assertThat(second.hits()).isEqualTo(1);
  }

  @Test
  void aLogStreamCutWhileTheContainerRunsGoesOnWithEveryLineOnceInOrder() throws Exception {
    Path gate = dir.resolve("lines-release");
    printingPod(
        "cut-while-running",
        printLines(1, 30)
            + "; while [ ! -f '"
            + gate
            + "' ]; do sleep 0.05; done; "
            + printLines(31, 60));
    cluster.awaitPod(NS, "cut-while-running", "Running", Duration.ofSeconds(30));
    LogStreamCut cut = cluster.cutLogStreams("^cut-while-running$", 20, 1);
    CompletableFuture<List<String>> seen =
        CompletableFuture.supplyAsync(() -> follow("cut-while-running"));
    cluster.await("the stream cut", Duration.ofSeconds(30), () -> cut.hits() == 1);
    Files.writeString(gate, "go");

    assertThat(seen.get(60, TimeUnit.SECONDS)).containsExactlyElementsOf(lines(1, 60));
  }
}
