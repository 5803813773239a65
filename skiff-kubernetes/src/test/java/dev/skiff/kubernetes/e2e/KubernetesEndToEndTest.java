package dev.skiff.kubernetes.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.Materializers;
import dev.skiff.core.MetadataStore;
import dev.skiff.core.Orchestrator;
import dev.skiff.core.OrchestratorContext;
import dev.skiff.core.PlanCompiler;
import dev.skiff.core.RunEvent;
import dev.skiff.core.RunPlan;
import dev.skiff.core.StepRecord;
import dev.skiff.kubernetes.KubernetesOrchestrator;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.KubernetesOrchestratorFlavor;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ResolvedComponent;
import dev.skiff.core.stack.ResolvedStack;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import dev.skiff.kubernetes.PodMain;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.kubernetes.ContainerRun;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole runs on the fake cluster: the client submits, an orchestrator pod (a real JVM running
 * {@link PodMain}) walks the plan, and every step runs in its own pod (another JVM), all sharing
 * the SQLite metadata store and the local artifact folder through the run Secret.
 */
@Timeout(180)
class KubernetesEndToEndTest {
  static final String IMAGE = "registry.local/skiff:e2e";
  static FakeCluster cluster;
  static Path kubeconfig;

  @TempDir Path dir;
  MetadataStore store;
  LocalArtifactStore artifacts;
  final List<RunEvent> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startCluster(@TempDir Path shared) throws IOException {
    cluster = FakeCluster.start();
    cluster.images().registerJavaMain(IMAGE, PodMain.class);
    if (cluster.client().namespaces().withName("skiff").get() == null) {
      cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("skiff").endMetadata().build()).create();
    }
    kubeconfig = cluster.writeKubeconfig(shared.resolve("kubeconfig"), "fake");
    System.setProperty("kubeconfig", kubeconfig.toString());
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
    System.clearProperty("kubeconfig");
  }

  @BeforeEach
  void openStores() throws IOException {
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
    artifacts = new LocalArtifactStore(dir.resolve("artifacts"));
    System.setProperty("skiff.e2e.dir", dir.toString());
  }

  @AfterEach
  void closeStores() {
    store.close();
  }

  static final KubernetesOrchestratorConfig CONFIG =
      new KubernetesOrchestratorConfig("fake", null, null, true, IMAGE, null, null, true, Duration.ofSeconds(90), null, null, null);

  /** The stack a user would have: this orchestrator as its component, so settings reach the plan. */
  static ResolvedStack stack() {
    ObjectNode config = dev.skiff.core.internal.Json.mapper().valueToTree(CONFIG);
    var component = new ComponentRecord(ComponentType.ORCHESTRATOR, "k8s", "kubernetes", config, Instant.EPOCH, null);
    return new ResolvedStack("k8s", Map.of(ComponentType.ORCHESTRATOR, new ResolvedComponent(component, new KubernetesOrchestratorFlavor())));
  }

  KubernetesOrchestrator orchestrator() {
    var config = CONFIG;
    ClassLoader loader = getClass().getClassLoader();
    return new KubernetesOrchestrator(config, new OrchestratorContext(store, "jdbc:sqlite:" + dir.resolve("skiff.db"), artifacts, Materializers.load(loader), loader, System.getProperty("java.class.path"), "k8s"));
  }

  Orchestrator.Result run(PipelineDefinition definition) {
    return run(definition, PipelineSettings.DEFAULTS);
  }

  Orchestrator.Result run(PipelineDefinition definition, PipelineSettings settings) {
    RunPlan plan = new PlanCompiler(Materializers.load(getClass().getClassLoader())).compile(definition, settings, stack());
    return orchestrator().run(plan, events::add);
  }

  List<PodRecord> podsOf(String runId) {
    return cluster.podHistory().stream().filter(p -> runId.equals(p.label("run"))).toList();
  }

  Map<String, StepStatus> statuses(String runId) {
    return store.listSteps(runId).stream().collect(Collectors.toMap(StepRecord::name, StepRecord::status));
  }

  List<String> stepLines(String step) {
    return events.stream().filter(e -> e instanceof RunEvent.StepLogLine l && l.step().equals(step)).map(e -> ((RunEvent.StepLogLine) e).line()).toList();
  }

  @Test
  void digitsShapedPipelineRunsOnePodPerStepInParallel() throws Exception {
    var result = run(new E2ePipelines.Shape());

    assertThat(result.status()).as("events: %s", events).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(statuses(result.runId())).containsOnly(
        Map.entry("importer", StepStatus.SUCCEEDED), Map.entry("trainer", StepStatus.SUCCEEDED),
        Map.entry("skew_comparison", StepStatus.SUCCEEDED), Map.entry("evaluator", StepStatus.SUCCEEDED));

    List<PodRecord> pods = podsOf(result.runId());
    assertThat(pods).extracting(p -> p.label("skiff.dev/role")).containsOnly("orchestrator", "step");
    assertThat(pods).filteredOn(p -> "orchestrator".equals(p.label("skiff.dev/role"))).hasSize(1);
    assertThat(pods).filteredOn(p -> "step".equals(p.label("skiff.dev/role"))).extracting(p -> p.label("step"))
        .containsExactlyInAnyOrder("importer", "trainer", "skew_comparison", "evaluator");
    assertThat(pods).allSatisfy(p -> assertThat(p.label("pipeline")).isEqualTo("shape"));
    assertThat(cluster.client().pods().inNamespace("skiff").withLabel("pipeline", "shape").withLabel("run", result.runId()).list().getItems())
        .hasSize(5); // keepPods: all visible by label

    ContainerRun trainer = container(pods, "trainer");
    ContainerRun skew = container(pods, "skew_comparison");
    assertThat(trainer.overlaps(skew)).as("trainer %s and skew %s ran at the same time", trainer, skew).isTrue();

    assertThat(stepLines("importer")).contains("loaded 4 rows");
    assertThat(stepLines("trainer")).contains("trainer met skew_comparison");
    assertThat(stepLines("evaluator")).anySatisfy(l -> assertThat(l).startsWith("Test accuracy: 0.75"));
    assertThat(new String(artifacts.open("runs/" + result.runId() + "/logs/evaluator.log").readAllBytes(), StandardCharsets.UTF_8))
        .contains("Test accuracy: 0.75"); // saved with the run: readable after the pods are gone
  }

  @Test
  void retriedStepSucceedsOnAttemptTwoAndAFailedStepFailsTheRunWithItsReason() {
    var result = run(new E2ePipelines.Flaky());

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    StepRecord flaky = store.findStep(result.runId(), "flaky").orElseThrow();
    assertThat(flaky.status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(flaky.attempt()).isEqualTo(2);
    assertThat(podsOf(result.runId())).filteredOn(p -> "flaky".equals(p.label("step"))).hasSize(2);
    StepRecord broken = store.findStep(result.runId(), "broken").orElseThrow();
    assertThat(broken.status()).isEqualTo(StepStatus.FAILED);
    assertThat(broken.error()).startsWith("Error (exit code 1)");
    assertThat(stepLines("broken")).anySatisfy(l -> assertThat(l).contains("IllegalArgumentException: cannot handle ok"));
    assertThat(store.findRun(result.runId()).orElseThrow().error()).startsWith("step 'broken' failed: Error (exit code 1)");
  }

  @Test
  void restartedOrchestratorAdoptsRunningPodsAndDoesNotRerunFinishedSteps() throws Exception {
    var outcome = new java.util.concurrent.CompletableFuture<Orchestrator.Result>();
    Thread client = new Thread(() -> {
      try {
        outcome.complete(run(new E2ePipelines.Gated()));
      } catch (Throwable t) {
        outcome.completeExceptionally(t);
      }
    });
    client.start();
    cluster.await("step 'second' to start", Duration.ofSeconds(90), () -> Files.exists(dir.resolve("second.started")));
    String runId = store.listRuns("gated", 1).get(0).id();
    var orchestratorPod = cluster.client().pods().inNamespace("skiff").withLabel("run", runId).withLabel("skiff.dev/role", "orchestrator").list().getItems();
    assertThat(orchestratorPod).hasSize(1);

    cluster.client().pods().inNamespace("skiff").withName(orchestratorPod.get(0).getMetadata().getName()).delete(); // the orchestrator dies
    cluster.await("a second orchestrator pod", Duration.ofSeconds(60), () -> podsOf(runId).stream()
        .filter(p -> "orchestrator".equals(p.label("skiff.dev/role")) && p.runningAt() != null && !p.deleted()).count() == 1
        && podsOf(runId).stream().filter(p -> "orchestrator".equals(p.label("skiff.dev/role"))).count() == 2);
    Files.writeString(dir.resolve("release"), "go");
    var result = outcome.get(120, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(result.status()).as("events: %s", events).isEqualTo(RunStatus.SUCCEEDED);
    List<PodRecord> pods = podsOf(runId);
    assertThat(pods).filteredOn(p -> "first".equals(p.label("step"))).hasSize(1); // not run again
    assertThat(pods).filteredOn(p -> "second".equals(p.label("step"))).hasSize(1); // adopted, not recreated
    assertThat(pods).filteredOn(p -> "orchestrator".equals(p.label("skiff.dev/role"))).hasSize(2);
    assertThat(store.findStep(runId, "first").orElseThrow().attempt()).isEqualTo(1);
    assertThat(store.findStep(runId, "second").orElseThrow().attempt()).isEqualTo(1);
  }

  @Test
  void podSettingsReachTheStepPodAndOomKilledIsTheStepsReason() {
    cluster.failNextPod(FakeCluster.podLabeled("step", "work"), dev.skiff.testing.kubernetes.FailureKind.OOM_KILLED);

    var result = run(new E2ePipelines.Single());

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(store.findStep(result.runId(), "work").orElseThrow().error()).startsWith("OOMKilled: the step used more memory than its limit");
    var pod = cluster.client().pods().inNamespace("skiff").withLabel("run", result.runId()).withLabel("step", "work").list().getItems().get(0);
    var spec = pod.getSpec();
    assertThat(spec.getNodeSelector()).containsEntry("pool", "gpu");
    assertThat(spec.getTolerations()).extracting(t -> t.getKey()).containsExactly("nvidia.com/gpu");
    assertThat(spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()).hasSize(1);
    assertThat(spec.getContainers().get(0).getResources().getLimits()).containsKey("nvidia.com/gpu");
    assertThat(spec.getContainers().get(0).getResources().getRequests()).containsKeys("cpu", "memory");
  }

  @Test
  void aStepPodStuckPendingFailsWithTheSchedulersReasonAfterTheStartupTimeout() {
    var fault = cluster.failNextPod(FakeCluster.podLabeled("step", "work"), dev.skiff.testing.kubernetes.FailureKind.SLOW_SCHEDULING);
    var settings = PipelineSettings.newBuilder().setting("orchestrator.kubernetes", Map.of("podStartupTimeout", "4s")).build();

    var result = run(new E2ePipelines.Single(), settings);

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(store.findStep(result.runId(), "work").orElseThrow().error())
        .startsWith("pod ").contains("did not start within 4 s: Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
    assertThat(stepLines("work")).anySatisfy(l -> assertThat(l).startsWith("waiting: Unschedulable: 0/3 nodes are available"));
    fault.release();
  }

  @Test
  void scheduleCreatesACronJobWhoseFiringsRecordNewRuns() {
    RunPlan plan = new PlanCompiler(Materializers.load(getClass().getClassLoader())).compile(new E2ePipelines.Single(), PipelineSettings.DEFAULTS, stack());
    KubernetesOrchestrator orchestrator = orchestrator();

    orchestrator.schedule(plan, dev.skiff.sdk.Schedule.cron("*/5 * * * *").named("every5"), events::add);

    var cronJob = cluster.client().batch().v1().cronjobs().inNamespace("skiff").withLabel("pipeline", "single").list().getItems();
    assertThat(cronJob).singleElement().satisfies(c -> {
      assertThat(c.getSpec().getSchedule()).isEqualTo("*/5 * * * *");
      var pod = c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
      assertThat(pod.getContainers().get(0).getArgs()).containsExactly("orchestrator", "--schedule", "single/every5");
      assertThat(pod.getContainers().get(0).getImage()).isEqualTo(IMAGE);
      assertThat(pod.getServiceAccountName()).isEqualTo("skiff-service-account");
    });
    var record = dev.skiff.core.ScheduleRecord.find(store, "single", "every5").orElseThrow();
    assertThat(record.cron()).isEqualTo("*/5 * * * *");

    cluster.fireCronJob("skiff", cronJob.get(0).getMetadata().getName()).orElseThrow();
    cluster.await("a scheduled run to succeed", Duration.ofSeconds(90),
        () -> store.listRuns("single", 10).stream().anyMatch(r -> r.status() == RunStatus.SUCCEEDED));
    var run = store.listRuns("single", 10).get(0);
    assertThat(statuses(run.id())).containsEntry("work", StepStatus.SUCCEEDED);

    orchestrator.pauseSchedule(record, true);
    assertThat(cluster.client().batch().v1().cronjobs().inNamespace("skiff").withName(cronJob.get(0).getMetadata().getName()).get().getSpec().getSuspend()).isTrue();
    orchestrator.deleteSchedule(record);
    assertThat(cluster.client().batch().v1().cronjobs().inNamespace("skiff").withLabel("pipeline", "single").list().getItems()).isEmpty();
    assertThat(dev.skiff.core.ScheduleRecord.list(store)).isEmpty();
  }

  @Test
  void apiErrorsAndDroppedWatchesDoNotBreakARun() throws Exception {
    var fault = cluster.failNextRequests("POST", ".*/namespaces/skiff/pods$", 500, 2);
    long earlierWorkPods = cluster.podHistory().stream().filter(p -> "work".equals(p.label("step"))).count(); // the cluster is shared
    Thread dropper = new Thread(() -> {
      cluster.await("this run's step pod", Duration.ofSeconds(90),
          () -> cluster.podHistory().stream().filter(p -> "work".equals(p.label("step"))).count() > earlierWorkPods);
      cluster.dropWatches(); // the orchestrator's informer and the client's log streams must recover
    });
    dropper.start();

    var result = run(new E2ePipelines.Single());
    dropper.join(30_000);
    assertThat(dropper.isAlive()).isFalse();

    assertThat(result.status()).as("events: %s", events).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(fault.hits()).isEqualTo(2); // the 500s were answered, and retried
    assertThat(stepLines("work")).contains("worked");
  }

  static ContainerRun container(List<PodRecord> pods, String step) {
    return pods.stream().filter(p -> step.equals(p.label("step"))).findFirst().orElseThrow().containers().get(0);
  }
}
