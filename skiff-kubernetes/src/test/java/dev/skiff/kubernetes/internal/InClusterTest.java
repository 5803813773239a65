package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.internal.Json;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.ResolvedComponent;
import dev.skiff.core.stack.ResolvedStack;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.Schedule;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.kubernetes.ApiRequest;
import dev.skiff.testing.kubernetes.FailureKind;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole runs on the test cluster with the cluster's semantics (the Job controller's claim and
 * release of pods, garbage collection, podFailurePolicy, CronJobs, 410 Gone), fast: pods run as
 * JVMs of this module's test class path ({@code PodMain} registered as the image), which share this
 * machine's SQLite file and artifact folder, so a run takes seconds. {@code KubernetesEndToEndTest}
 * runs the same code in real containers.
 */
@Timeout(180)
class InClusterTest {
  static final String IMAGE = "registry.local/skiff:in-cluster";
  static final String NS = FakeCluster.DEFAULT_NAMESPACE;
  static FakeCluster cluster;

  @TempDir Path dir;
  MetadataStore store;
  LocalArtifactStore artifacts;
  StoreAccess access;
  final List<RunEvent> events = new CopyOnWriteArrayList<>();

  /** Where the steps of one test meet (a parameter, so each test has its own cache keys). */
  public record Gate(String path) {
    Path resolve(String name) {
      return Path.of(path).resolve(name);
    }
  }

  /**
   * first → second, where second waits for a release file, and fails unless "fixed" exists when
   * told to.
   */
  public static final class Gated implements PipelineDefinition {
    private final Gate gate;

    public Gated(Gate gate) {
      this.gate = gate;
    }

    /** As a pod makes it to find a step's code: the gate's value comes from the plan. */
    public Gated() {
      this(new Gate(System.getProperty("java.io.tmpdir")));
    }

    static String first(Gate gate) {
      System.out.println("first ran");
      return "a";
    }

    static String second(String in, Gate gate) throws Exception {
      Files.writeString(gate.resolve("second.started"), Instant.now().toString());
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!Files.exists(gate.resolve("release"))) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("never released");
        }
        Thread.sleep(20);
      }
      if (Files.exists(gate.resolve("break")) && !Files.exists(gate.resolve("fixed"))) {
        throw new IllegalStateException("broken until fixed");
      }
      System.out.println("second released");
      return in + "b";
    }

    @Override
    public String name() {
      return "gated";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step(
          "second", Gated::second, p.step("first", Gated::first, Param.of(gate)), Param.of(gate));
    }
  }

  @BeforeAll
  static void startCluster(@TempDir Path tmp) throws IOException {
    cluster = FakeCluster.start();
    cluster.images().registerJavaMain(IMAGE, PodMain.class);
    System.setProperty(
        "kubeconfig", cluster.writeKubeconfig(tmp.resolve("kubeconfig"), "fake").toString());
  }

  @AfterAll
  static void stopCluster() {
    System.clearProperty("kubeconfig");
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void openStores() throws IOException {
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
    artifacts = new LocalArtifactStore(dir.resolve("artifacts"));
    access = new StoreAccess("jdbc:sqlite:" + dir.resolve("skiff.db"), null, artifacts.uri());
  }

  @AfterEach
  void closeStores() {
    store.close();
  }

  Gate gate() {
    return new Gate(dir.toString());
  }

  void release() throws IOException {
    Files.writeString(dir.resolve("release"), "go");
  }

  /**
   * The configuration: {@code keyValues} over the test's defaults (context "fake", the registered
   * image, synchronous).
   */
  static KubernetesOrchestratorConfig config(Object... keyValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("kubernetesContext", "fake");
    map.put("image", IMAGE);
    map.put("podStartupTimeout", "PT60S");
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put((String) keyValues[i], keyValues[i + 1]);
    }
    return Json.mapper().convertValue(map, KubernetesOrchestratorConfig.class);
  }

  static ResolvedStack stack(KubernetesOrchestratorConfig config) {
    ObjectNode json = Json.mapper().valueToTree(config);
    var component =
        new ComponentRecord(
            ComponentType.ORCHESTRATOR, "k8s", "kubernetes", json, Instant.EPOCH, null);
    return new ResolvedStack(
        "k8s",
        Map.of(
            ComponentType.ORCHESTRATOR,
            new ResolvedComponent(component, new KubernetesOrchestratorFlavor())));
  }

  RunPlan plan(KubernetesOrchestratorConfig config) {
    return new PlanCompiler(Materializers.load(getClass().getClassLoader()))
        .compile(new Gated(gate()), PipelineSettings.DEFAULTS, stack(config));
  }

  KubernetesOrchestrator orchestrator(KubernetesOrchestratorConfig config) {
    ClassLoader loader = getClass().getClassLoader();
    return new KubernetesOrchestrator(
        config,
        new OrchestratorContext(
            store,
            access,
            artifacts,
            Materializers.load(loader),
            loader,
            System.getProperty("java.class.path"),
            "k8s",
            plan -> IMAGE));
  }

  CompletableFuture<Orchestrator.Result> runInBackground(KubernetesOrchestratorConfig config) {
    RunPlan plan = plan(config);
    return CompletableFuture.supplyAsync(() -> orchestrator(config).run(plan, events::add));
  }

  String awaitRun() {
    cluster.await(
        "a run of 'gated'", Duration.ofSeconds(60), () -> !store.listRuns("gated", 1).isEmpty());
    return store.listRuns("gated", 1).get(0).id();
  }

  void awaitSecondStarted() {
    cluster.await(
        "step 'second' to start",
        Duration.ofSeconds(90),
        () -> Files.exists(dir.resolve("second.started")));
  }

  List<Pod> podsOf(String runId) {
    return cluster.pods(NS).stream()
        .filter(p -> runId.equals(p.getMetadata().getLabels().get(Labels.RUN_SELECTOR)))
        .toList();
  }

  static List<PodRecord> orchestratorPods(String jobName) {
    return cluster.podHistory().stream()
        .filter(
            p ->
                "orchestrator".equals(p.label("skiff.dev/role"))
                    && jobName.equals(p.label("batch.kubernetes.io/job-name")))
        .toList();
  }

  @Test
  void stepPodsAndTheSecretGoWithTheOrchestratorJobWhichNeitherCountsNorAdoptsThem()
      throws Exception {
    KubernetesOrchestratorConfig config = config("synchronous", false);
    var result = orchestrator(config).run(plan(config), events::add);
    awaitSecondStarted();
    String runId = result.runId();
    String jobName = Names.orchestratorJob(runId);
    Job job = cluster.job(NS, jobName).orElseThrow();

    Pod step =
        podsOf(runId).stream()
            .filter(p -> "second".equals(p.getMetadata().getLabels().get(Labels.STEP)))
            .findFirst()
            .orElseThrow();
    Thread.sleep(
        500); // the Job controller has seen the step pods: a controller reference it would have
    // released by now
    step = cluster.pod(NS, step.getMetadata().getName()).orElseThrow();
    assertThat(step.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> nonControllerReferenceTo(owner, job));
    assertThat(
            cluster
                .client()
                .secrets()
                .inNamespace(NS)
                .withName(Names.runSecret(runId))
                .get()
                .getMetadata()
                .getOwnerReferences())
        .singleElement()
        .satisfies(owner -> nonControllerReferenceTo(owner, job));
    Job now = cluster.job(NS, jobName).orElseThrow();
    assertThat(now.getStatus().getActive())
        .as("only the orchestrator pod is the Job's")
        .isEqualTo(1);

    cluster
        .client()
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(jobName)
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();

    cluster.await(
        "the run's pods and Secret deleted with the Job",
        Duration.ofSeconds(30),
        () ->
            podsOf(runId).isEmpty()
                && cluster.client().secrets().inNamespace(NS).withName(Names.runSecret(runId)).get()
                    == null);
  }

  static void nonControllerReferenceTo(OwnerReference owner, Job job) {
    assertThat(owner.getKind()).isEqualTo("Job");
    assertThat(owner.getApiVersion()).isEqualTo("batch/v1");
    assertThat(owner.getName()).isEqualTo(job.getMetadata().getName());
    assertThat(owner.getUid()).isEqualTo(job.getMetadata().getUid());
    assertThat(owner.getController()).as("controller").isNotEqualTo(Boolean.TRUE);
    assertThat(owner.getBlockOwnerDeletion()).as("blockOwnerDeletion").isNotEqualTo(Boolean.TRUE);
  }

  @Test
  void anEvictedOrchestratorPodDoesNotSpendTheBackoffLimit() throws Exception {
    cluster.failNextPod(
        pod ->
            "orchestrator".equals(pod.getMetadata().getLabels().get(Labels.ROLE))
                && "gated".equals(pod.getMetadata().getLabels().get(Labels.PIPELINE)),
        FailureKind.EVICTED,
        Duration.ofSeconds(2));
    var outcome = runInBackground(config("backoffLimit", 0));
    String runId = awaitRun();
    String jobName = Names.orchestratorJob(runId);
    cluster.await(
        "a second orchestrator pod",
        Duration.ofSeconds(60),
        () -> orchestratorPods(jobName).size() == 2);
    release();

    var result = outcome.get(90, TimeUnit.SECONDS);

    assertThat(result.status()).as("events: %s", events).isEqualTo(RunStatus.SUCCEEDED);
    Job job = cluster.job(NS, jobName).orElseThrow();
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getStatus().getFailed()).as("the eviction was ignored").isNull();
    assertThat(job.getStatus().getConditions()).noneMatch(c -> "Failed".equals(c.getType()));
  }

  @Test
  void anOrchestratorThatCannotStartForItsConfigurationFailsTheJobAtOnceAndLeavesNothing()
      throws Exception {
    // the pods are given a metadata store that does not hold the run: no retry can help
    var config = config("metadataUrl", "jdbc:sqlite:" + dir.resolve("elsewhere.db"));
    var result = orchestrator(config).run(plan(config), events::add);

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    String jobName = Names.orchestratorJob(result.runId());
    assertThat(orchestratorPods(jobName)).as("the backoff limit (3) was not spent").hasSize(1);
    assertThat(orchestratorPods(jobName).get(0).containers().get(0).exitCode())
        .isEqualTo(OrchestratorMain.CONFIGURATION_ERROR);
    assertThat(store.findRun(result.runId()).orElseThrow().error()).contains("PodFailurePolicy");
    assertThat(events)
        .anySatisfy(e -> assertThat(e.toString()).contains("is not in the metadata store"));
    cluster.await(
        "nothing left behind",
        Duration.ofSeconds(30),
        () ->
            cluster.job(NS, jobName).isEmpty()
                && cluster
                        .client()
                        .secrets()
                        .inNamespace(NS)
                        .withName(Names.runSecret(result.runId()))
                        .get()
                    == null);
  }

  @Test
  void aRestartedOrchestratorOfAScheduledRunContinuesThatRun() throws Exception {
    var config = config();
    KubernetesOrchestrator orchestrator = orchestrator(config);
    orchestrator.schedule(plan(config), Schedule.cron("0 3 * * *").named("nightly"), events::add);
    Job fired = cluster.fireCronJob(NS, Names.cronJob("gated", "nightly")).orElseThrow();
    awaitSecondStarted();
    String runId = awaitRun();
    String jobName = fired.getMetadata().getName();
    cluster.await(
        "the run id on the Job",
        Duration.ofSeconds(10),
        () ->
            runId.equals(
                cluster
                    .job(NS, jobName)
                    .orElseThrow()
                    .getMetadata()
                    .getAnnotations()
                    .get(OrchestratorMain.RUN_ANNOTATION)));

    String first = orchestratorPods(jobName).get(0).name();
    cluster.client().pods().inNamespace(NS).withName(first).delete(); // the orchestrator dies
    cluster.await(
        "a second orchestrator pod running",
        Duration.ofSeconds(60),
        () ->
            orchestratorPods(jobName).size() == 2
                && orchestratorPods(jobName).get(1).runningAt() != null);
    release();
    cluster.await(
        "the run to succeed",
        Duration.ofSeconds(90),
        () -> store.findRun(runId).map(r -> r.status() == RunStatus.SUCCEEDED).orElse(false));

    assertThat(store.listRuns("gated", 10))
        .extracting(RunRecord::id)
        .as("one run per firing")
        .containsExactly(runId);
    assertThat(cluster.job(NS, jobName).orElseThrow().getMetadata().getLabels())
        .containsEntry(Labels.RUN_SELECTOR, runId);
    assertThat(cluster.podHistory())
        .filteredOn(p -> "second".equals(p.label("step")) && runId.equals(p.label("run")))
        .hasSize(1);
    orchestrator.deleteSchedule(
        dev.skiff.core.spi.ScheduleRecord.find(store, "gated", "nightly").orElseThrow());
  }

  @Test
  void schedulesAreCheckedBeforeAnythingIsSentAndCanChangeTheirCron() {
    var config =
        config(
            "timeZone", "Europe/Paris",
            "concurrencyPolicy", "Replace",
            "startingDeadlineSeconds", 120,
            "successfulJobsHistoryLimit", 2,
            "failedJobsHistoryLimit", 4);
    KubernetesOrchestrator orchestrator = orchestrator(config);
    RunPlan plan = plan(config);
    String cronJobName = Names.cronJob("gated", "weekdays");

    assertThatThrownBy(
            () ->
                orchestrator.schedule(
                    plan, Schedule.cron("0 3 * * 8").named("weekdays"), events::add))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid cron schedule '0 3 * * 8': column 9, day-of-week '8': value 8 not in range [0, 6]");
    assertThat(cluster.client().batch().v1().cronjobs().inNamespace(NS).withName(cronJobName).get())
        .isNull();
    assertThat(dev.skiff.core.spi.ScheduleRecord.find(store, "gated", "weekdays")).isEmpty();

    orchestrator.schedule(
        plan, Schedule.cron("30 6 * JAN-MAR MON-FRI").named("weekdays"), events::add);
    var spec =
        cluster
            .client()
            .batch()
            .v1()
            .cronjobs()
            .inNamespace(NS)
            .withName(cronJobName)
            .get()
            .getSpec();
    assertThat(spec.getSchedule()).isEqualTo("30 6 * JAN-MAR MON-FRI");
    assertThat(spec.getTimeZone()).isEqualTo("Europe/Paris");
    assertThat(spec.getConcurrencyPolicy()).isEqualTo("Replace");
    assertThat(spec.getStartingDeadlineSeconds()).isEqualTo(120L);
    assertThat(spec.getSuccessfulJobsHistoryLimit()).isEqualTo(2);
    assertThat(spec.getFailedJobsHistoryLimit()).isEqualTo(4);
    var record = dev.skiff.core.spi.ScheduleRecord.find(store, "gated", "weekdays").orElseThrow();

    orchestrator.updateSchedule(record, "@daily");
    assertThat(
            cluster
                .client()
                .batch()
                .v1()
                .cronjobs()
                .inNamespace(NS)
                .withName(cronJobName)
                .get()
                .getSpec()
                .getSchedule())
        .isEqualTo("@daily");
    var updated = dev.skiff.core.spi.ScheduleRecord.find(store, "gated", "weekdays").orElseThrow();
    assertThat(updated.cron()).isEqualTo("@daily");
    assertThatThrownBy(() -> orchestrator.updateSchedule(updated, "*/5 * * *"))
        .hasMessageStartingWith(
            "invalid cron schedule '*/5 * * *': it has 4 fields, a schedule has 5");
    assertThat(
            cluster
                .client()
                .batch()
                .v1()
                .cronjobs()
                .inNamespace(NS)
                .withName(cronJobName)
                .get()
                .getSpec()
                .getSchedule())
        .isEqualTo("@daily");
    orchestrator.deleteSchedule(updated);
  }

  @Test
  void resumeWaitsForThePreviousJobsObjectsToGo() throws Exception {
    Files.writeString(dir.resolve("break"), "");
    release();
    var config = config();
    var failed = orchestrator(config).run(plan(config), events::add);
    assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
    String runId = failed.runId();
    String secretName = Names.runSecret(runId);
    String oldJob =
        cluster.job(NS, Names.orchestratorJob(runId)).orElseThrow().getMetadata().getUid();
    // something (a slow garbage collector, a finalizer of another controller) holds the old Secret
    cluster
        .client()
        .secrets()
        .inNamespace(NS)
        .withName(secretName)
        .edit(
            s -> {
              s.getMetadata().setFinalizers(List.of("example.com/hold"));
              return s;
            });
    Files.writeString(dir.resolve("fixed"), "");

    var resumed =
        CompletableFuture.supplyAsync(() -> orchestrator(config).resume(runId, events::add));
    cluster.await(
        "the old Secret being deleted",
        Duration.ofSeconds(30),
        () ->
            cluster
                    .client()
                    .secrets()
                    .inNamespace(NS)
                    .withName(secretName)
                    .get()
                    .getMetadata()
                    .getDeletionTimestamp()
                != null);
    Thread.sleep(1000);
    assertThat(resumed).isNotDone();
    cluster
        .client()
        .secrets()
        .inNamespace(NS)
        .withName(secretName)
        .edit(
            s -> {
              s.getMetadata().setFinalizers(null);
              return s;
            });

    assertThat(resumed.get(90, TimeUnit.SECONDS).status())
        .as("events: %s", events)
        .isEqualTo(RunStatus.SUCCEEDED);
    Job job = cluster.job(NS, Names.orchestratorJob(runId)).orElseThrow();
    assertThat(job.getMetadata().getUid()).isNotEqualTo(oldJob);
  }

  /**
   * Every request the orchestrator pods make (as service account skiff-service-account) in a run
   * and in a scheduled run is allowed by the Role, and every rule of the Role is used: nothing
   * missing, nothing unused.
   */
  @Test
  void theRoleGrantsExactlyWhatTheOrchestratorPodCalls() throws Exception {
    release();
    // the first run fails (its failed pod is deleted at once), the scheduled one succeeds (its
    // pods are deleted in a batch): both ways of deleting pods are called
    Files.writeString(dir.resolve("break"), "x");
    cluster.resetApiRequests();
    var config = config();
    KubernetesOrchestrator orchestrator = orchestrator(config);
    assertThat(orchestrator.run(plan(config), events::add).status()).isEqualTo(RunStatus.FAILED);
    Files.writeString(dir.resolve("fixed"), "x");
    orchestrator.schedule(plan(config), Schedule.cron("0 3 * * *").named("rbac"), events::add);
    cluster.fireCronJob(NS, Names.cronJob("gated", "rbac")).orElseThrow();
    cluster.await(
        "the scheduled run to succeed",
        Duration.ofSeconds(90),
        () ->
            store.listRuns("gated", 10).stream()
                    .filter(r -> r.status() == RunStatus.SUCCEEDED)
                    .count()
                == 1);

    String account =
        "system:serviceaccount:" + NS + ":" + KubernetesOrchestratorConfig.DEFAULT_SERVICE_ACCOUNT;
    Set<String> called = new TreeSet<>();
    for (ApiRequest r : cluster.apiRequests()) {
      if (account.equals(r.user())) {
        called.add(permission(r));
      }
    }
    Set<String> granted = new TreeSet<>();
    Manifests.roleRules()
        .forEach(
            rule ->
                rule.getResources()
                    .forEach(
                        res ->
                            rule.getVerbs()
                                .forEach(
                                    verb ->
                                        granted.add(
                                            rule.getApiGroups().get(0) + " " + res + " " + verb))));
    assertThat(called).as("calls of the orchestrator pods").isEqualTo(granted);
    Set<String> clientCalls = new TreeSet<>();
    for (ApiRequest r : cluster.apiRequests()) {
      if (FakeCluster.ADMIN_USER.equals(r.user())) {
        clientCalls.add(permission(r));
      }
    }
    Set<String> clientRules = new TreeSet<>();
    Manifests.clientRules()
        .forEach(
            rule ->
                rule.getResources()
                    .forEach(
                        res ->
                            rule.getVerbs()
                                .forEach(
                                    verb ->
                                        clientRules.add(
                                            rule.getApiGroups().get(0) + " " + res + " " + verb))));
    assertThat(clientRules).as("calls of the client").containsAll(clientCalls);
    orchestrator.deleteSchedule(
        dev.skiff.core.spi.ScheduleRecord.find(store, "gated", "rbac").orElseThrow());
  }

  private static final Pattern API_PATH =
      Pattern.compile(
          "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/[^/]+)?/([^/]+)(?:/([^/]+))?(?:/([^/]+))?$");

  /** "apiGroup resource[/subresource] verb" of a request, as RBAC sees it. */
  static String permission(ApiRequest r) {
    Matcher m = API_PATH.matcher(r.path());
    if (!m.matches()) {
      return "? " + r.method() + " " + r.path();
    }
    String group = m.group(1) == null ? "" : m.group(1);
    String resource = m.group(2) + (m.group(4) == null ? "" : "/" + m.group(4));
    boolean named = m.group(3) != null;
    String verb =
        switch (r.method()) {
          case "GET" ->
              !named ? (r.watch() || r.query().contains("watch=true") ? "watch" : "list") : "get";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> r.method();
        };
    return group + " " + resource + " " + verb;
  }

  @Test
  void aForbiddenRunSecretDeletesTheJobAndNamesTheSecret() {
    var fault = cluster.failNextRequests("POST", "/api/v1/namespaces/" + NS + "/secrets$", 403, 1);
    var config = config("synchronous", false);
    RunPlan plan = plan(config);

    assertThatThrownBy(() -> orchestrator(config).run(plan, events::add))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Secret skiff-run-gated-")
        .hasMessageContaining("(403)")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

    assertThat(fault.hits()).isEqualTo(1);
    RunRecord run = store.listRuns("gated", 1).get(0);
    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    cluster.await(
        "the Job deleted",
        Duration.ofSeconds(10),
        () -> cluster.job(NS, Names.orchestratorJob(run.id())).isEmpty());
    // the Job's pod (if its controller made one) goes after it: a background deletion
    cluster.await("its pods deleted", Duration.ofSeconds(10), () -> podsOf(run.id()).isEmpty());
  }

  @Test
  void theClientSeesEveryLineOnceAndInOrderWhenTheOrchestratorLogStreamIsCut() throws Exception {
    release();
    // as when the API server or the kubelet restarts: the client's stream breaks off twice
    var cut = cluster.cutLogStreams("^gated-.*-orchestrator-", 2, 2);
    var config = config();

    assertThat(orchestrator(config).run(plan(config), events::add).status())
        .isEqualTo(RunStatus.SUCCEEDED);

    assertThat(cut.hits()).isEqualTo(2);
    List<RunEvent> lines =
        events.stream()
            .filter(
                e -> e instanceof RunEvent.StepLogLine || e instanceof RunEvent.OrchestratorLine)
            .toList();
    assertThat(lines).doesNotHaveDuplicates();
    List<String> stepLines =
        lines.stream()
            .filter(e -> e instanceof RunEvent.StepLogLine)
            .map(e -> ((RunEvent.StepLogLine) e).line())
            .filter(l -> l.equals("first ran") || l.equals("second released"))
            .toList();
    assertThat(stepLines).containsExactly("first ran", "second released");
  }

  @Test
  void aStaleWatchGets410AndTheRunStillSucceeds() throws Exception {
    var outcome = runInBackground(config());
    awaitSecondStarted();
    long listsBefore =
        cluster.apiRequests().stream()
            .filter(r -> !r.watch() && r.method().equals("GET") && r.path().endsWith("/pods"))
            .count();

    cluster.expireResourceVersions(); // every watch resumed from where it was gets 410 Gone
    cluster.dropWatches();
    cluster.await(
        "the informers to list again",
        Duration.ofSeconds(30),
        () ->
            cluster.apiRequests().stream()
                    .filter(
                        r -> !r.watch() && r.method().equals("GET") && r.path().endsWith("/pods"))
                    .count()
                > listsBefore);
    release();

    var result = outcome.get(90, TimeUnit.SECONDS);
    assertThat(result.status()).as("events: %s", events).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(events)
        .filteredOn(e -> e instanceof RunEvent.StepLogLine l && l.line().equals("second released"))
        .hasSize(1);
  }
}
