package dev.skiff.kubernetes.e2e;

import static dev.skiff.kubernetes.e2e.FlowPipelines.Ctl.calls;
import static dev.skiff.kubernetes.e2e.FlowPipelines.Ctl.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.artifacts.s3.S3ArtifactStore;
import dev.skiff.artifacts.s3.S3ArtifactStoreConfig;
import dev.skiff.core.engine.DagScheduler;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.engine.RunIds;
import dev.skiff.core.engine.StepExecutor;
import dev.skiff.core.internal.Json;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.LaunchedStep;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.images.ContainerRegistryConfig;
import dev.skiff.images.ImageBuilder;
import dev.skiff.kubernetes.internal.KubernetesOrchestrator;
import dev.skiff.kubernetes.internal.Names;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.containers.JreBaseImage;
import dev.skiff.testing.containers.Podman;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import dev.skiff.testing.postgres.PostgresServer;
import dev.skiff.testing.registry.RegistryProcess;
import dev.skiff.testing.s3.S3Server;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fan-ins, maps over run-time lists, conditions and hooks on the test cluster, every step in its
 * own pod as a real container (the cases skiff-local's {@code FlowTest} runs in threads and
 * processes). One cluster, registry and image serve the whole class, as in {@link
 * KubernetesEndToEndTest}; each test has its own PostgreSQL database, bucket and folder, which its
 * pods mount to count calls and meet (see {@link FlowPipelines}).
 */
@Timeout(300)
class FlowOnKubernetesTest {
  static FakeCluster cluster;
  static RegistryProcess registry;
  static String image;
  static Path shared;

  Path dir;
  MetadataStore store;
  S3ArtifactStore artifacts;
  StoreAccess access;
  final Materializers materializers = Materializers.load(getClass().getClassLoader());
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
            .buildAndPush(
                "e2e", KubernetesEndToEndTest.imageOf(System.getProperty("java.class.path"), base))
            .reference();
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
    String bucket = s3.createBucket("flow-" + UUID.randomUUID().toString().substring(0, 8));
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

  KubernetesOrchestrator orchestrator() {
    ClassLoader loader = getClass().getClassLoader();
    return new KubernetesOrchestrator(
        KubernetesEndToEndTest.CONFIG,
        new OrchestratorContext(
            store,
            access,
            artifacts,
            materializers,
            loader,
            System.getProperty("java.class.path"),
            "k8s",
            plan -> image));
  }

  /** Every pod of the run mounts this test's folder at {@link FlowPipelines.Ctl#MOUNTED}. */
  RunPlan compile(PipelineDefinition definition, Consumer<PipelineSettings.Builder> settings) {
    Map<String, Object> mount =
        Map.of(
            "allowPrivileged",
            true, // a hostPath volume leaves the restricted profile
            "volumes",
            List.of(
                Map.of(
                    "name",
                    "e2e",
                    "hostPath",
                    Map.of("path", dir.toString(), "type", "Directory"))),
            "volumeMounts",
            List.of(Map.of("name", "e2e", "mountPath", FlowPipelines.Ctl.MOUNTED.dir())));
    PipelineSettings.Builder b =
        PipelineSettings.newBuilder()
            .setting(
                "orchestrator.kubernetes",
                Map.of("podSettings", mount, "orchestratorPodSettings", mount));
    settings.accept(b);
    return new PlanCompiler(materializers)
        .compile(definition, b.build(), KubernetesEndToEndTest.stack());
  }

  Orchestrator.Result run(PipelineDefinition definition) {
    return run(definition, s -> {});
  }

  Orchestrator.Result run(
      PipelineDefinition definition, Consumer<PipelineSettings.Builder> settings) {
    return orchestrator().run(compile(definition, settings), events::add);
  }

  List<PodRecord> stepPods(String runId, String step) {
    return cluster.podHistory().stream()
        .filter(p -> runId.equals(p.label("run")) && step.equals(p.label("step")))
        .toList();
  }

  Map<String, StepStatus> statuses(String runId) {
    return store.listSteps(runId).stream()
        .collect(Collectors.toMap(StepRecord::name, StepRecord::status));
  }

  StepRecord step(String runId, String step) {
    return store.findStep(runId, step).orElseThrow();
  }

  <T> T read(String runId, String step, Class<T> type) {
    ArtifactRecord a = store.stepOutputs(runId, step).get("output");
    assertThat(a).as("output of " + step).isNotNull();
    try (InputStream in = artifacts.open(a.path())) {
      return type.cast(materializers.byId(a.materializer()).read(type, in));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  String error(Orchestrator.Result result) {
    return store.findRun(result.runId()).map(RunRecord::error).orElse("no run") + " " + events;
  }

  @Test
  void aFanInOfFiftyOutputsRunsInOneStepPod() {
    // 50 producer pods would only test pods again (and take minutes on 2 cores): their outputs
    // come from the cache of a run driven in this JVM on the same stores; the fan-in step and
    // its 50 inputs are the cluster's
    produceFanInPartsHere();

    var result = run(new FlowPipelines.FanIn());

    assertThat(result.status()).as(() -> error(result)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(step(result.runId(), "part49").status()).isEqualTo(StepStatus.CACHED);
    assertThat(step(result.runId(), "joined").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(read(result.runId(), "joined", String.class))
        .isEqualTo(String.join(",", IntStream.range(0, 50).mapToObj(String::valueOf).toList()));
    assertThat(store.stepInputs(result.runId(), "joined")).hasSize(50).containsKey("parts[49]");
    assertThat(stepPods(result.runId(), "joined")).hasSize(1);
    assertThat(
            cluster.podHistory().stream()
                .filter(p -> result.runId().equals(p.label("run")))
                .filter(p -> "step".equals(p.label("skiff.dev/role"))))
        .hasSize(1);
    assertThat(calls(dir, "joined")).isEqualTo(1);
  }

  /** The fan-in's 50 producers alone, with the same code and parameters. */
  public static final class FanInParts implements PipelineDefinition {
    @Override
    public String name() {
      return "fanin";
    }

    @Override
    public void define(PipelineBuilder p) {
      List<Out<Integer>> parts = new ArrayList<>();
      for (int i = 0; i < FlowPipelines.FanIn.WIDTH; i++) {
        parts.add(p.step(String.format("part%02d", i), FlowPipelines::part, Param.of(i)));
      }
    }
  }

  private void produceFanInPartsHere() {
    RunPlan plan = compile(new FanInParts(), s -> {});
    String runId = RunIds.newId(plan.pipeline());
    store.createRun(
        new RunRecord(
            runId,
            plan.pipeline(),
            RunStatus.RUNNING,
            "threads",
            plan.hash(),
            plan.toJson(),
            Instant.now(),
            null,
            null));
    ClassLoader loader = getClass().getClassLoader();
    StepExecutor executor = new StepExecutor(store, artifacts, materializers, loader);
    StepLauncher threads =
        launch -> {
          var result =
              CompletableFuture.supplyAsync(
                  () ->
                      executor.execute(
                          launch.plan(),
                          launch.runId(),
                          launch.step(),
                          launch.attempt(),
                          launch.log(),
                          launch.token()));
          return new LaunchedStep() {
            @Override
            public CompletableFuture<Map<String, ArtifactRecord>> result() {
              return result;
            }

            @Override
            public void cancel() {
              result.cancel(true);
            }
          };
        };
    assertThat(new DagScheduler(store, threads, e -> {}, artifacts).run(plan, runId))
        .isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void aMapOverTwentyRunTimeElementsRunsFourPodsAtOnceAndCollectsInOrder() {
    var result = run(new FlowPipelines.Twenty());

    assertThat(result.status()).as(() -> error(result)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(read(result.runId(), "collect", String.class))
        .isEqualTo(
            String.join(",", IntStream.range(0, 20).mapToObj(i -> String.valueOf(i * i)).toList()));
    // the first four pods waited for one another: they ran at once; no more than four ever did
    assertThat(lines(dir, "met")).hasSize(4);
    assertThat(lines(dir, "concurrency").stream().mapToInt(Integer::parseInt).max().orElseThrow())
        .isEqualTo(4);
    assertThat(store.listSteps(result.runId()))
        .filteredOn(s -> s.name().startsWith("sq["))
        .hasSize(20)
        .allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.SUCCEEDED));
    assertThat(store.stepOutputs(result.runId(), "sq")).hasSize(20).containsKey("output[19]");

    // one pod per instance, named <run>-sq-<index>-<attempt>, labelled with the map and index.
    // An attempt that failed on a loaded machine is retried (maxAttempts 2) in a pod of its own
    // named for attempt 2: the first attempts are one per instance, and any failure is shown.
    List<String> failures =
        events.stream()
            .filter(e -> e instanceof RunEvent.StepFailed)
            .map(RunEvent.StepFailed.class::cast)
            .map(f -> f.step() + " attempt " + f.attempt() + ": " + f.error())
            .toList();
    List<PodRecord> all = stepPods(result.runId(), "sq");
    assertThat(all)
        .as("pods of attempts; failed attempts: %s", failures)
        .hasSize(20 + failures.size());
    List<PodRecord> pods = all.stream().filter(p -> p.name().endsWith("-1")).toList();
    assertThat(pods).hasSize(20);
    assertThat(pods)
        .extracting(p -> p.label("skiff.dev/map-index"))
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, 20).mapToObj(String::valueOf).toList());
    assertThat(pods)
        .extracting(PodRecord::name)
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, 20).mapToObj(i -> result.runId() + "-sq-" + i + "-1").toList());
    assertThat(pods).allSatisfy(p -> assertThat(p.containers().get(0).inContainer()).isTrue());
  }

  @Test
  void aMapOverAnEmptyListSucceedsWithNoInstancePods() {
    var result = run(new FlowPipelines.Empty());

    assertThat(result.status()).as(() -> error(result)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(read(result.runId(), "collect", String.class)).isEqualTo("empty");
    assertThat(statuses(result.runId()))
        .containsOnlyKeys("items", "sq", "collect")
        .containsEntry("sq", StepStatus.SUCCEEDED);
    assertThat(stepPods(result.runId(), "sq")).isEmpty();
    assertThat(
            events.stream()
                .filter(e -> e instanceof RunEvent.StepLogLine l && l.step().equals("sq"))
                .map(e -> ((RunEvent.StepLogLine) e).line()))
        .contains("map over an empty list: no instances");
  }

  @Test
  void aFailedInstanceIsRetriedAloneAResumeRunsOnlyItAndWhatFollowsAndASecondRunIsCached()
      throws Exception {
    Files.createFile(dir.resolve("flaky")); // sq[2] fails on attempt 1 only
    Files.createFile(dir.resolve("broken")); // sq[3] fails on both attempts

    var first = run(new FlowPipelines.Five(), s -> s.failFast(false));

    assertThat(first.status()).isEqualTo(RunStatus.FAILED);
    assertThat(statuses(first.runId()))
        .containsEntry("sq[2]", StepStatus.SUCCEEDED)
        .containsEntry("sq[3]", StepStatus.FAILED)
        .containsEntry("sq[4]", StepStatus.SUCCEEDED)
        .containsEntry("sq", StepStatus.FAILED)
        .containsEntry("collect", StepStatus.SKIPPED);
    StepRecord retried = step(first.runId(), "sq[2]");
    assertThat(retried.attempt()).isEqualTo(2);
    assertThat(retried.userFailures()).isEqualTo(1);
    assertThat(calls(dir, "sq[2]")).isEqualTo(2);
    for (int i : List.of(0, 1, 4)) {
      assertThat(calls(dir, "sq[" + i + "]")).isEqualTo(1);
      assertThat(step(first.runId(), "sq[" + i + "]").attempt()).isEqualTo(1);
    }
    assertThat(stepPods(first.runId(), "sq"))
        .filteredOn(p -> "2".equals(p.label("skiff.dev/map-index")))
        .extracting(PodRecord::name)
        .containsExactlyInAnyOrder(first.runId() + "-sq-2-1", first.runId() + "-sq-2-2");
    // the pod's termination message gives the same words as a thread or a process
    assertThat(store.findRun(first.runId()).orElseThrow().error())
        .isEqualTo("step 'sq[3]' failed: IllegalStateException: broken element 3");

    Files.delete(dir.resolve("broken"));
    events.clear();
    var resumed = orchestrator().resume(first.runId(), events::add);

    assertThat(resumed.status()).as(() -> error(resumed)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(calls(dir, "items")).isEqualTo(1);
    assertThat(calls(dir, "sq[3]")).isEqualTo(3); // 2 attempts, then 1 in the resume
    for (int i : List.of(0, 1, 4)) {
      assertThat(calls(dir, "sq[" + i + "]")).isEqualTo(1);
    }
    assertThat(calls(dir, "sq[2]")).isEqualTo(2);
    assertThat(calls(dir, "collect")).isEqualTo(1);
    assertThat(step(first.runId(), "sq[3]").attempt()).isEqualTo(3);
    assertThat(stepPods(first.runId(), "sq"))
        .filteredOn(p -> "3".equals(p.label("skiff.dev/map-index")))
        .extracting(PodRecord::name)
        .contains(first.runId() + "-sq-3-3");
    assertThat(read(first.runId(), "collect", String.class)).isEqualTo("0,1,4,9,16");

    var second = run(new FlowPipelines.Five(), s -> s.failFast(false));

    assertThat(second.status()).as(() -> error(second)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(statuses(second.runId()))
        .containsEntry("items", StepStatus.CACHED)
        .containsEntry("sq[0]", StepStatus.CACHED)
        .containsEntry("sq[3]", StepStatus.CACHED)
        .containsEntry("collect", StepStatus.CACHED);
    assertThat(step(second.runId(), "sq[3]").cachedFrom()).isEqualTo(first.runId());
    assertThat(
            cluster.podHistory().stream()
                .filter(p -> second.runId().equals(p.label("run")))
                .filter(p -> "step".equals(p.label("skiff.dev/role"))))
        .as("every instance cached: no step pod")
        .isEmpty();
    assertThat(read(second.runId(), "collect", String.class)).isEqualTo("0,1,4,9,16");
  }

  @Test
  void aRestartedOrchestratorAdoptsRunningInstancePods() throws Exception {
    var outcome = CompletableFuture.supplyAsync(() -> run(new FlowPipelines.GatedMap()));
    cluster.await(
        "both instances to start",
        Duration.ofSeconds(120),
        () ->
            Files.exists(dir.resolve("gate[0].started"))
                && Files.exists(dir.resolve("gate[1].started")));
    String runId = store.listRuns("gatedmap", 1).get(0).id();
    var orchestratorPods =
        cluster
            .client()
            .pods()
            .inNamespace("skiff")
            .withLabel("run", runId)
            .withLabel("skiff.dev/role", "orchestrator")
            .list()
            .getItems();
    assertThat(orchestratorPods).hasSize(1);

    cluster
        .client()
        .pods()
        .inNamespace("skiff")
        .withName(orchestratorPods.get(0).getMetadata().getName())
        .delete(); // the orchestrator dies while both instances run
    cluster.await(
        "a second orchestrator pod running",
        Duration.ofSeconds(90),
        () ->
            cluster.podHistory().stream()
                        .filter(p -> runId.equals(p.label("run")))
                        .filter(p -> "orchestrator".equals(p.label("skiff.dev/role")))
                        .filter(p -> p.runningAt() != null && !p.deleted())
                        .count()
                    == 1
                && cluster.podHistory().stream()
                        .filter(p -> runId.equals(p.label("run")))
                        .filter(p -> "orchestrator".equals(p.label("skiff.dev/role")))
                        .count()
                    == 2);
    Files.writeString(dir.resolve("release"), "go");
    var result = outcome.get(150, TimeUnit.SECONDS);

    assertThat(result.status()).as(() -> error(result)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(stepPods(runId, "gate"))
        .as("adopted, not created again")
        .extracting(PodRecord::name)
        .containsExactlyInAnyOrder(
            Names.stepPod(runId, "gate[0]", 1), Names.stepPod(runId, "gate[1]", 1));
    assertThat(calls(dir, "gate[0]")).isEqualTo(1);
    assertThat(calls(dir, "gate[1]")).isEqualTo(1);
    assertThat(step(runId, "gate[0]").attempt()).isEqualTo(1);
    assertThat(step(runId, "gate").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(store.stepOutputs(runId, "gate")).hasSize(2);
  }

  @Test
  void aFalseConditionSkipsTheBranchAndAnOnFailureHookGetsTheFailedStepAndError() throws Exception {
    var skipped = run(new FlowPipelines.Mediocre());

    assertThat(skipped.status()).as(() -> error(skipped)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(statuses(skipped.runId()))
        .containsEntry("good_enough", StepStatus.SUCCEEDED)
        .containsEntry("deploy", StepStatus.SKIPPED)
        .containsEntry("announce", StepStatus.SKIPPED)
        .containsEntry("celebrate", StepStatus.SUCCEEDED)
        .containsEntry("page", StepStatus.SKIPPED);
    assertThat(step(skipped.runId(), "deploy").error())
        .isEqualTo("condition false: 'good_enough' is false");
    assertThat(calls(dir, "deploy")).isZero();
    assertThat(stepPods(skipped.runId(), "deploy")).isEmpty();
    assertThat(stepPods(skipped.runId(), "celebrate")).hasSize(1); // a hook runs in a pod too
    assertThat(read(skipped.runId(), "celebrate", String.class)).startsWith("all ");

    Files.createFile(dir.resolve("diverge"));
    var failed = run(new FlowPipelines.Diverging());

    assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
    assertThat(statuses(failed.runId()))
        .containsEntry("train", StepStatus.FAILED)
        .containsEntry("page", StepStatus.SUCCEEDED)
        .containsEntry("celebrate", StepStatus.SKIPPED);
    assertThat(read(failed.runId(), "page", String.class))
        .isEqualTo(
            "#ml-oncall: FAILED at train: step 'train' failed: IllegalStateException: loss diverged");
    assertThat(stepPods(failed.runId(), "page")).hasSize(1);
  }
}
