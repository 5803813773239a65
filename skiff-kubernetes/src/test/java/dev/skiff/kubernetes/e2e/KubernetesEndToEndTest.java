package dev.skiff.kubernetes.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.artifacts.s3.S3ArtifactStore;
import dev.skiff.artifacts.s3.S3ArtifactStoreConfig;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.internal.Json;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ResolvedComponent;
import dev.skiff.core.stack.ResolvedStack;
import dev.skiff.images.ContainerRegistryConfig;
import dev.skiff.images.ImageBuilder;
import dev.skiff.images.ImageSpec;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.internal.KubernetesOrchestrator;
import dev.skiff.kubernetes.internal.KubernetesOrchestratorFlavor;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.containers.JreBaseImage;
import dev.skiff.testing.containers.Podman;
import dev.skiff.testing.kubernetes.ContainerRun;
import dev.skiff.testing.kubernetes.FailureKind;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import dev.skiff.testing.postgres.PostgresServer;
import dev.skiff.testing.registry.RegistryProcess;
import dev.skiff.testing.s3.S3Server;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole runs as a cluster runs them: Skiff builds the image of this module's class path with Jib on
 * a JRE base image and pushes it to a real registry process; the test cluster's kubelet pulls it by
 * digest and runs the orchestrator pod ({@code PodMain}) and every step pod as real containers
 * (podman: non-root, read-only root, their own volumes only), which reach the PostgreSQL metadata
 * store and the S3 artifact store over loopback through the run Secret.
 */
@Timeout(300)
class KubernetesEndToEndTest {
  static FakeCluster cluster;
  static RegistryProcess registry;
  static String image;

  /** Test folders live here: the only host path pods may mount. */
  static Path shared;

  Path dir;
  MetadataStore store;
  S3ArtifactStore artifacts;
  StoreAccess access;
  final List<RunEvent> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startCluster(@TempDir Path tmp) throws Exception {
    Podman.assumeAvailable();
    shared = Files.createDirectories(tmp.resolve("e2e"));
    registry = RegistryProcess.start(Files.createDirectories(tmp.resolve("registry")), false);
    String base = JreBaseImage.hostJdk().push(registry).digestReference();
    cluster = FakeCluster.builder().containers(Podman.shared()).allowHostPath(shared).start();
    cluster
        .client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName("skiff").endMetadata().build())
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    System.setProperty(
        "kubeconfig", cluster.writeKubeconfig(tmp.resolve("kubeconfig"), "fake").toString());
    image =
        ImageBuilder.newBuilder(
                new ContainerRegistryConfig(
                    registry.hostPort() + "/e2e", true, null, null, null, base))
            .cacheDirectory(tmp.resolve("jib-cache"))
            .build()
            .buildAndPush("e2e", imageOf(System.getProperty("java.class.path"), base))
            .reference();
  }

  /** This module's test class path as an image spec, class folders in their own layers. */
  static ImageSpec imageOf(String classpath, String base) {
    List<Path> jars = new ArrayList<>();
    List<Path> classes = new ArrayList<>();
    for (String entry : classpath.split(File.pathSeparator)) {
      Path p = Path.of(entry).toAbsolutePath();
      if (Files.isDirectory(p)) {
        classes.add(p);
      } else if (p.toString().endsWith(".jar") && Files.isRegularFile(p)) {
        jars.add(p);
      }
    }
    return ImageSpec.newBuilder().baseImage(base).releasedJars(jars).classDirs(classes).build();
  }

  @AfterAll
  static void stopCluster() throws InterruptedException {
    System.clearProperty("kubeconfig");
    if (cluster != null) {
      cluster.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  @BeforeEach
  void openStores(TestInfo test) throws IOException {
    dir = Files.createDirectories(shared.resolve(test.getTestMethod().orElseThrow().getName()));
    Files.setPosixFilePermissions(
        dir, PosixFilePermissions.fromString("rwxrwxrwx")); // pods run as uid 65532
    PostgresServer postgres = PostgresServer.shared();
    String url = postgres.newDatabase();
    store = MetadataStores.postgres(url, postgres.password());
    S3Server s3 = S3Server.shared();
    String bucket = s3.createBucket("e2e-" + UUID.randomUUID().toString().substring(0, 8));
    var config =
        new S3ArtifactStoreConfig(
            "s3://" + bucket + "/skiff",
            null,
            s3.endpoint(),
            true,
            s3.accessKey(),
            s3.secretKey(),
            null,
            null,
            null);
    artifacts = new S3ArtifactStore(config);
    access =
        new StoreAccess(
            url,
            postgres.password(),
            StoreAccess.artifactStoreAddress("s3", Json.mapper().valueToTree(config)));
  }

  @AfterEach
  void closeStores() {
    store.close();
    artifacts.close();
  }

  static final KubernetesOrchestratorConfig CONFIG =
      new KubernetesOrchestratorConfig(
          "fake",
          null,
          null,
          true,
          null,
          null,
          null,
          true,
          Duration.ofSeconds(90),
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

  /**
   * The stack a user would have: this orchestrator as its component, so settings reach the plan.
   */
  static ResolvedStack stack() {
    ObjectNode config = Json.mapper().valueToTree(CONFIG);
    var component =
        new ComponentRecord(
            ComponentType.ORCHESTRATOR, "k8s", "kubernetes", config, Instant.EPOCH, null);
    return new ResolvedStack(
        "k8s",
        Map.of(
            ComponentType.ORCHESTRATOR,
            new ResolvedComponent(component, new KubernetesOrchestratorFlavor())));
  }

  /** The orchestrator as the CLI makes it, its pods running the image built above. */
  KubernetesOrchestrator orchestrator() {
    ClassLoader loader = getClass().getClassLoader();
    return new KubernetesOrchestrator(
        CONFIG,
        new OrchestratorContext(
            store,
            access,
            artifacts,
            Materializers.load(loader),
            loader,
            System.getProperty("java.class.path"),
            "k8s",
            plan -> image));
  }

  /** Mounts this test's folder at {@link E2ePipelines.Dir#MOUNTED} in every pod of the run. */
  PipelineSettings mounted() {
    return PipelineSettings.newBuilder()
        .setting(
            "orchestrator.kubernetes",
            Map.of("podSettings", mount(), "orchestratorPodSettings", mount()))
        .build();
  }

  private Map<String, Object> mount() {
    return Map.of(
        "allowPrivileged",
        true, // a hostPath volume leaves the restricted profile
        "volumes",
        List.of(
            Map.of("name", "e2e", "hostPath", Map.of("path", dir.toString(), "type", "Directory"))),
        "volumeMounts",
        List.of(Map.of("name", "e2e", "mountPath", E2ePipelines.Dir.MOUNTED.path())));
  }

  Orchestrator.Result run(PipelineDefinition definition) {
    return run(definition, mounted());
  }

  Orchestrator.Result run(PipelineDefinition definition, PipelineSettings settings) {
    RunPlan plan =
        new PlanCompiler(Materializers.load(getClass().getClassLoader()))
            .compile(definition, settings, stack());
    return orchestrator().run(plan, events::add);
  }

  /** Runs {@code definition} from another thread, as a client that waits for it. */
  java.util.concurrent.CompletableFuture<Orchestrator.Result> inBackground(
      PipelineDefinition definition) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> run(definition));
  }

  List<PodRecord> podsOf(String runId) {
    return cluster.podHistory().stream().filter(p -> runId.equals(p.label("run"))).toList();
  }

  Map<String, StepStatus> statuses(String runId) {
    return store.listSteps(runId).stream()
        .collect(Collectors.toMap(StepRecord::name, StepRecord::status));
  }

  List<String> stepLines(String step) {
    return events.stream()
        .filter(e -> e instanceof RunEvent.StepLogLine l && l.step().equals(step))
        .map(e -> ((RunEvent.StepLogLine) e).line())
        .toList();
  }

  @Test
  void digitsShapedPipelineRunsOnePodPerStepInParallel() throws Exception {
    var result = run(new E2ePipelines.Shape());

    assertThat(result.status()).as("events: %s", events).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(statuses(result.runId()))
        .containsOnly(
            Map.entry("importer", StepStatus.SUCCEEDED), Map.entry("trainer", StepStatus.SUCCEEDED),
            Map.entry("skew_comparison", StepStatus.SUCCEEDED),
                Map.entry("evaluator", StepStatus.SUCCEEDED));

    List<PodRecord> pods = podsOf(result.runId());
    assertThat(pods)
        .extracting(p -> p.label("skiff.dev/role"))
        .containsOnly("orchestrator", "step");
    assertThat(pods).filteredOn(p -> "orchestrator".equals(p.label("skiff.dev/role"))).hasSize(1);
    assertThat(pods)
        .filteredOn(p -> "step".equals(p.label("skiff.dev/role")))
        .extracting(p -> p.label("step"))
        .containsExactlyInAnyOrder("importer", "trainer", "skew_comparison", "evaluator");
    assertThat(pods).allSatisfy(p -> assertThat(p.label("pipeline")).isEqualTo("shape"));
    assertThat(
            cluster
                .client()
                .pods()
                .inNamespace("skiff")
                .withLabel("pipeline", "shape")
                .withLabel("run", result.runId())
                .list()
                .getItems())
        .hasSize(5); // keepPods: all visible by label

    ContainerRun trainer = container(pods, "trainer");
    ContainerRun skew = container(pods, "skew_comparison");
    assertThat(trainer.overlaps(skew))
        .as("trainer %s and skew %s ran at the same time", trainer, skew)
        .isTrue();
    assertThat(pods)
        .flatExtracting(PodRecord::containers)
        .hasSize(5)
        .allSatisfy(
            c -> {
              assertThat(c.inContainer()).as("%s ran as a container", c.pod()).isTrue();
              assertThat(c.image()).isEqualTo(image); // pinned to the digest Jib pushed
            });

    assertThat(stepLines("importer")).contains("loaded 4 rows");
    assertThat(stepLines("trainer")).contains("trainer met skew_comparison");
    assertThat(stepLines("evaluator"))
        .anySatisfy(l -> assertThat(l).startsWith("Test accuracy: 0.75"));
    assertThat(
            new String(
                artifacts.open("runs/" + result.runId() + "/logs/evaluator.log").readAllBytes(),
                StandardCharsets.UTF_8))
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
    // the same words as in a thread or a local process, from the pod's termination message
    assertThat(broken.error()).isEqualTo("IllegalArgumentException: cannot handle ok");
    assertThat(stepLines("broken"))
        .contains("java.lang.IllegalArgumentException: cannot handle ok") // the full trace
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches(
                        "\\s+at dev\\.skiff\\.kubernetes\\.e2e\\.E2ePipelines\\$Flaky\\.broken\\(E2ePipelines\\.java:\\d+\\)"));
    assertThat(store.findRun(result.runId()).orElseThrow().error())
        .isEqualTo("step 'broken' failed: IllegalArgumentException: cannot handle ok");
  }

  @Test
  void restartedOrchestratorAdoptsRunningPodsAndDoesNotRerunFinishedSteps() throws Exception {
    var outcome = inBackground(new E2ePipelines.Gated());
    cluster.await(
        "step 'second' to start",
        Duration.ofSeconds(90),
        () -> Files.exists(dir.resolve("second.started")));
    String runId = store.listRuns("gated", 1).get(0).id();
    var orchestratorPod =
        cluster
            .client()
            .pods()
            .inNamespace("skiff")
            .withLabel("run", runId)
            .withLabel("skiff.dev/role", "orchestrator")
            .list()
            .getItems();
    assertThat(orchestratorPod).hasSize(1);

    cluster
        .client()
        .pods()
        .inNamespace("skiff")
        .withName(orchestratorPod.get(0).getMetadata().getName())
        .delete(); // the orchestrator dies
    cluster.await(
        "a second orchestrator pod",
        Duration.ofSeconds(60),
        () ->
            podsOf(runId).stream()
                        .filter(
                            p ->
                                "orchestrator".equals(p.label("skiff.dev/role"))
                                    && p.runningAt() != null
                                    && !p.deleted())
                        .count()
                    == 1
                && podsOf(runId).stream()
                        .filter(p -> "orchestrator".equals(p.label("skiff.dev/role")))
                        .count()
                    == 2);
    Files.writeString(dir.resolve("release"), "go");
    var result = outcome.get(120, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(result.status()).as("events: %s", events).isEqualTo(RunStatus.SUCCEEDED);
    List<PodRecord> pods = podsOf(runId);
    assertThat(pods).filteredOn(p -> "first".equals(p.label("step"))).hasSize(1); // not run again
    assertThat(pods)
        .filteredOn(p -> "second".equals(p.label("step")))
        .hasSize(1); // adopted, not recreated
    assertThat(pods).filteredOn(p -> "orchestrator".equals(p.label("skiff.dev/role"))).hasSize(2);
    assertThat(store.findStep(runId, "first").orElseThrow().attempt()).isEqualTo(1);
    assertThat(store.findStep(runId, "second").orElseThrow().attempt()).isEqualTo(1);
  }

  @Test
  void runsStopLeavesNoStepRunning() throws Exception {
    var outcome = inBackground(new E2ePipelines.Gated());
    cluster.await(
        "step 'second' to start",
        Duration.ofSeconds(90),
        () -> Files.exists(dir.resolve("second.started")));
    String runId = store.listRuns("gated", 1).get(0).id();

    orchestrator().stop(runId); // `skiff runs stop RUN` from another terminal

    assertThat(outcome.get(60, java.util.concurrent.TimeUnit.SECONDS).status())
        .isEqualTo(RunStatus.STOPPED);
    assertThat(store.findRun(runId).orElseThrow().status()).isEqualTo(RunStatus.STOPPED);
    assertThat(statuses(runId))
        .containsEntry("first", StepStatus.SUCCEEDED)
        .containsEntry("second", StepStatus.STOPPED)
        .doesNotContainValue(StepStatus.RUNNING);
    assertThat(store.findLease(runId))
        .as("the orchestrator pod ended the run itself and released it")
        .isEmpty();
  }

  @Test
  void podSettingsReachTheStepPod() {
    var result = run(new E2ePipelines.Single());

    assertThat(result.status()).as("events: %s", events).isEqualTo(RunStatus.SUCCEEDED);
    var pod =
        cluster
            .client()
            .pods()
            .inNamespace("skiff")
            .withLabel("run", result.runId())
            .withLabel("step", "work")
            .list()
            .getItems()
            .get(0);
    var spec = pod.getSpec();
    assertThat(spec.getNodeSelector()).containsEntry("pool", "gpu");
    assertThat(spec.getTolerations()).extracting(t -> t.getKey()).containsExactly("nvidia.com/gpu");
    assertThat(
            spec.getAffinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms())
        .hasSize(1);
    assertThat(spec.getContainers().get(0).getResources().getLimits())
        .containsKey("nvidia.com/gpu");
    assertThat(spec.getContainers().get(0).getResources().getRequests())
        .containsKeys("cpu", "memory");
  }

  @Test
  void aStepOverItsMemoryLimitIsOomKilledByTheKernel() {
    var result = run(new E2ePipelines.Hog());

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(store.findStep(result.runId(), "hog").orElseThrow().error())
        .startsWith("OOMKilled: the step used more memory than its limit");
    assertThat(stepLines("hog"))
        .anySatisfy(l -> assertThat(l).startsWith("holding "))
        .noneSatisfy(l -> assertThat(l).contains("OutOfMemoryError"));
    ContainerRun hog = container(podsOf(result.runId()), "hog");
    assertThat(hog.inContainer()).isTrue();
    assertThat(hog.exitCode()).isEqualTo(137); // SIGKILL from the kernel, not the JVM giving up
  }

  @Test
  void anEvictedStepPodIsRetriedOnTheInfrastructureBudgetWithoutSpendingTheStepsAttempts() {
    // the eviction strikes 10 s after the container starts: long after the step (which waits for
    // a release that never comes) printed its line, even on a loaded 2-core machine
    cluster.failNextPod(
        FakeCluster.podLabeled("step", "gate"), FailureKind.EVICTED, Duration.ofSeconds(10));

    var result = run(new E2ePipelines.Evictable());

    assertThat(result.status()).as("events: %s", events).isEqualTo(RunStatus.SUCCEEDED);
    StepRecord gate = store.findStep(result.runId(), "gate").orElseThrow();
    assertThat(gate.attempt()).isEqualTo(2);
    assertThat(gate.infraFailures()).isEqualTo(1);
    assertThat(gate.userFailures()).isZero(); // maxAttempts 1 (the default) was not spent
    // the orchestrator pod's report, relayed as a typed event with a retry to follow
    assertThat(events)
        .anySatisfy(
            e -> {
              assertThat(e).isInstanceOf(RunEvent.StepFailed.class);
              RunEvent.StepFailed f = (RunEvent.StepFailed) e;
              assertThat(f.step()).isEqualTo("gate");
              assertThat(f.attempt()).isEqualTo(1);
              assertThat(f.error()).startsWith("Evicted: The node was low on resource: memory.");
              assertThat(f.retryIn()).isNotNull();
            });
    ContainerRun evicted =
        podsOf(result.runId()).stream()
            .filter(p -> "gate".equals(p.label("step")))
            .findFirst()
            .orElseThrow()
            .containers()
            .get(0);
    assertThat(evicted.inContainer()).isTrue();
    assertThat(evicted.exitCode()).isEqualTo(137); // the real container was killed mid-step
    assertThat(stepLines("gate"))
        .contains("waiting for the release on attempt 1", "attempt 2 goes on");
  }

  @Test
  void aWrongImageDigestFailsTheStepWithThePullErrorLongBeforeTheStartupTimeout() {
    cluster.failNextPod(FakeCluster.podLabeled("step", "work"), FailureKind.WRONG_IMAGE_DIGEST);
    var settings =
        PipelineSettings.newBuilder()
            .setting("orchestrator.kubernetes", Map.of("podStartupTimeout", "120s"))
            .build();

    long started = System.nanoTime();
    var result = run(new E2ePipelines.Single(), settings);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(store.findStep(result.runId(), "work").orElseThrow().error())
        .startsWith("pod ")
        .contains("cannot start: ErrImagePull: failed to pull and unpack image")
        .containsIgnoringCase("manifest unknown");
    assertThat(took)
        .as("failed at the first back-off, not after podStartupTimeout")
        .isLessThan(Duration.ofSeconds(60));
  }

  @Test
  void aStepPodStuckPendingFailsWithTheSchedulersReasonAfterTheStartupTimeout() {
    var fault =
        cluster.failNextPod(
            FakeCluster.podLabeled("step", "work"),
            dev.skiff.testing.kubernetes.FailureKind.SLOW_SCHEDULING);
    var settings =
        PipelineSettings.newBuilder()
            .setting("orchestrator.kubernetes", Map.of("podStartupTimeout", "4s"))
            .build();

    var result = run(new E2ePipelines.Single(), settings);

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(store.findStep(result.runId(), "work").orElseThrow().error())
        .startsWith("pod ")
        .contains(
            "did not start within 4 s: Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
    assertThat(stepLines("work"))
        .anySatisfy(
            l -> assertThat(l).startsWith("waiting: Unschedulable: 0/3 nodes are available"));
    fault.release();
  }

  @Test
  void scheduleCreatesACronJobWhoseFiringsRecordNewRuns() {
    RunPlan plan =
        new PlanCompiler(Materializers.load(getClass().getClassLoader()))
            .compile(new E2ePipelines.Single(), PipelineSettings.DEFAULTS, stack());
    KubernetesOrchestrator orchestrator = orchestrator();

    orchestrator.schedule(
        plan, dev.skiff.sdk.Schedule.cron("*/5 * * * *").named("every5"), events::add);

    var cronJob =
        cluster
            .client()
            .batch()
            .v1()
            .cronjobs()
            .inNamespace("skiff")
            .withLabel("pipeline", "single")
            .list()
            .getItems();
    assertThat(cronJob)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getSpec().getSchedule()).isEqualTo("*/5 * * * *");
              var pod = c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
              assertThat(pod.getContainers().get(0).getArgs())
                  .containsExactly("orchestrator", "--schedule", "single/every5");
              assertThat(pod.getContainers().get(0).getImage()).isEqualTo(image);
              assertThat(pod.getServiceAccountName()).isEqualTo("skiff-service-account");
            });
    var record = dev.skiff.core.spi.ScheduleRecord.find(store, "single", "every5").orElseThrow();
    assertThat(record.cron()).isEqualTo("*/5 * * * *");

    cluster.fireCronJob("skiff", cronJob.get(0).getMetadata().getName()).orElseThrow();
    cluster.await(
        "a scheduled run to succeed",
        Duration.ofSeconds(90),
        () ->
            store.listRuns("single", 10).stream().anyMatch(r -> r.status() == RunStatus.SUCCEEDED));
    var run = store.listRuns("single", 10).get(0);
    assertThat(statuses(run.id())).containsEntry("work", StepStatus.SUCCEEDED);

    orchestrator.pauseSchedule(record, true);
    assertThat(
            cluster
                .client()
                .batch()
                .v1()
                .cronjobs()
                .inNamespace("skiff")
                .withName(cronJob.get(0).getMetadata().getName())
                .get()
                .getSpec()
                .getSuspend())
        .isTrue();
    orchestrator.deleteSchedule(record);
    assertThat(
            cluster
                .client()
                .batch()
                .v1()
                .cronjobs()
                .inNamespace("skiff")
                .withLabel("pipeline", "single")
                .list()
                .getItems())
        .isEmpty();
    assertThat(dev.skiff.core.spi.ScheduleRecord.list(store)).isEmpty();
  }

  @Test
  void apiErrorsAndDroppedWatchesDoNotBreakARun() throws Exception {
    var fault = cluster.failNextRequests("POST", ".*/namespaces/skiff/pods$", 500, 2);
    long earlierWorkPods =
        cluster.podHistory().stream()
            .filter(p -> "work".equals(p.label("step")))
            .count(); // the cluster is shared
    Thread dropper =
        new Thread(
            () -> {
              cluster.await(
                  "this run's step pod",
                  Duration.ofSeconds(90),
                  () ->
                      cluster.podHistory().stream()
                              .filter(p -> "work".equals(p.label("step")))
                              .count()
                          > earlierWorkPods);
              cluster
                  .dropWatches(); // the orchestrator's informer and the client's log streams must
              // recover
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
    return pods.stream()
        .filter(p -> step.equals(p.label("step")))
        .findFirst()
        .orElseThrow()
        .containers()
        .get(0);
  }
}
