package dev.skiff.kubernetes.internal;

import dev.skiff.core.engine.RunIds;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.RunStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs plans on Kubernetes: records the run, creates the orchestrator Job (and its run Secret,
 * owned by the Job), and for synchronous runs streams the run's output until it ends. The
 * orchestrator pod does the rest (see {@code OrchestratorMain}). What is a setting ({@link
 * KubernetesSettings}: service account, pod settings, synchronous, ...) comes from the plan, where
 * it was resolved; the rest of the configuration (context, namespace, image, pull secrets, metadata
 * URL) from the component.
 */
public final class KubernetesOrchestrator implements Orchestrator {
  public static final String NAME = "kubernetes";
  private final KubernetesOrchestratorConfig config;
  private final OrchestratorContext context;
  private final AtomicReference<String> current = new AtomicReference<>();
  private KubernetesClient client;

  public KubernetesOrchestrator(KubernetesOrchestratorConfig config, OrchestratorContext context) {
    this.config = config;
    this.context = context;
  }

  @Override
  public Result run(RunPlan plan, RunListener listener) {
    KubernetesSettings settings = KubernetesSettings.of(plan, config);
    KubernetesClient k8s = client();
    ClusterSetup setup =
        new ClusterSetup(k8s, config.kubernetesNamespace(), settings.serviceAccountName());
    setup.checkNamespace();
    String image = image(plan);
    Manifests manifests = new Manifests(config, image);
    setup.ensureServiceAccount(manifests);
    String runId = RunIds.newId(plan.pipeline());
    MetadataStore store = context.store();
    store.createRun(
        new RunRecord(
            runId,
            plan.pipeline(),
            RunStatus.RUNNING,
            NAME,
            plan.hash(),
            plan.toJson(),
            Instant.now(),
            null,
            null));
    submit(k8s, plan, runId, settings, manifests);
    current.set(runId);
    if (!settings.synchronous()) {
      listener.onEvent(
          new RunEvent.OrchestratorLine(
              runId,
              "Submitted run "
                  + runId
                  + " to namespace "
                  + config.kubernetesNamespace()
                  + "; follow it with 'skiff runs logs "
                  + runId
                  + "'"));
      return new Result(runId, RunStatus.RUNNING);
    }
    try {
      return new Result(
          runId,
          new RunFollower(
                  k8s,
                  store,
                  plan,
                  runId,
                  config.kubernetesNamespace(),
                  settings.podStartupTimeout(),
                  listener)
              .follow());
    } finally {
      current.set(null);
    }
  }

  @Override
  public Result resume(String runId, RunListener listener) {
    RunRecord run =
        context
            .store()
            .findRun(runId)
            .orElseThrow(() -> new IllegalArgumentException("run " + runId + " not found"));
    RunPlan plan = RunPlan.fromJson(run.planJson());
    KubernetesSettings settings = KubernetesSettings.of(plan, config);
    KubernetesClient k8s = client();
    dev.skiff.core.engine.RunLifecycle.prepareResume(
        context.store(), runId, Instant.now()); // refused while its orchestrator lives
    // the old Job (and with it, by garbage collection, its pods and Secret) makes way for a new one
    k8s.batch()
        .v1()
        .jobs()
        .inNamespace(config.kubernetesNamespace())
        .withName(Names.orchestratorJob(runId))
        .delete();
    submit(k8s, plan, runId, settings, new Manifests(config, image(plan)));
    return new Result(
        runId,
        settings.synchronous()
            ? new RunFollower(
                    k8s,
                    context.store(),
                    plan,
                    runId,
                    config.kubernetesNamespace(),
                    settings.podStartupTimeout(),
                    listener)
                .follow()
            : RunStatus.RUNNING);
  }

  @Override
  public boolean runsRemotely() {
    return true;
  }

  /** Pods cannot reach this machine's folders or SQLite file, unless declared mounted. */
  @Override
  public java.util.List<String> storeProblems() {
    return storesForPods().problemsForRemoteExecutors(context.artifacts(), context.stack(), "pods");
  }

  /**
   * Stops the run being followed: deletes its Job (the cluster deletes its pods) and records it
   * stopped.
   */
  @Override
  public void stop() {
    String runId = current.get();
    if (runId != null) {
      stop(runId);
    }
  }

  /**
   * Creates (or updates) the CronJob whose job template is the orchestrator Job, with the
   * schedule's Secret owned by it, and keeps the plan in the metadata store: each firing records a
   * new run of that plan.
   */
  @Override
  public void schedule(RunPlan plan, dev.skiff.sdk.Schedule schedule, RunListener listener) {
    KubernetesSettings settings = KubernetesSettings.of(plan, config);
    KubernetesClient k8s = client();
    ClusterSetup setup =
        new ClusterSetup(k8s, config.kubernetesNamespace(), settings.serviceAccountName());
    setup.checkNamespace();
    String image = image(plan);
    Manifests manifests = new Manifests(config, image);
    setup.ensureServiceAccount(manifests);
    String ns = config.kubernetesNamespace();
    String secretName = DryRun.scheduleSecret(plan, schedule);
    var cronJob =
        manifests.cronJob(
            plan,
            schedule.name(),
            schedule.cron(),
            secretName,
            settings.orchestratorPodSettings(),
            settings.effectiveServiceAccount());
    new dev.skiff.core.spi.ScheduleRecord(
            plan.pipeline(),
            schedule.name(),
            schedule.cron(),
            context.stack(),
            NAME,
            ns + "/" + cronJob.getMetadata().getName(),
            plan.toJson(),
            false,
            Instant.now())
        .save(context.store());
    try {
      var created =
          k8s.batch()
              .v1()
              .cronjobs()
              .inNamespace(ns)
              .resource(cronJob)
              .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
      var secret =
          manifests.runSecret(
              "schedule-" + plan.pipeline() + "-" + schedule.name(),
              plan.pipeline(),
              storesForPods());
      secret.getMetadata().setName(secretName);
      secret
          .getMetadata()
          .setOwnerReferences(
              java.util.List.of(
                  new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                      .withApiVersion("batch/v1")
                      .withKind("CronJob")
                      .withName(created.getMetadata().getName())
                      .withUid(created.getMetadata().getUid())
                      .withController(true)
                      .withBlockOwnerDeletion(true)
                      .build()));
      k8s.secrets()
          .inNamespace(ns)
          .resource(secret)
          .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    } catch (KubernetesClientException e) {
      dev.skiff.core.spi.ScheduleRecord.delete(context.store(), plan.pipeline(), schedule.name());
      throw ClusterAccess.explain(
          e, "creating the CronJob of schedule " + schedule.name(), k8s.getMasterUrl().toString());
    }
    listener.onEvent(
        new RunEvent.OrchestratorLine(
            null,
            "Scheduled pipeline "
                + plan.pipeline()
                + " ("
                + schedule.cron()
                + ") as CronJob "
                + ns
                + "/"
                + cronJob.getMetadata().getName()));
  }

  /** Suspends or resumes a schedule's CronJob. */
  @Override
  public void pauseSchedule(dev.skiff.core.spi.ScheduleRecord schedule, boolean paused) {
    String[] where = schedule.location().split("/", 2);
    client()
        .batch()
        .v1()
        .cronjobs()
        .inNamespace(where[0])
        .withName(where[1])
        .edit(
            c -> {
              c.getSpec().setSuspend(paused);
              return c;
            });
    schedule.withPaused(paused).save(context.store());
  }

  /** Deletes a schedule's CronJob (its Secret goes with it) and its record. */
  @Override
  public void deleteSchedule(dev.skiff.core.spi.ScheduleRecord schedule) {
    String[] where = schedule.location().split("/", 2);
    client().batch().v1().cronjobs().inNamespace(where[0]).withName(where[1]).delete();
    dev.skiff.core.spi.ScheduleRecord.delete(context.store(), schedule.pipeline(), schedule.name());
  }

  @Override
  public String dryRun(RunPlan plan, String format) {
    var manifests = DryRun.manifests(plan, config, java.util.Optional.empty());
    return "json".equals(format)
        ? io.fabric8.kubernetes.client.utils.Serialization.asJson(manifests)
        : DryRun.yaml(manifests);
  }

  /**
   * The manifests {@link #schedule} would send, without contacting the cluster or recording the
   * schedule.
   */
  @Override
  public String dryRunSchedule(RunPlan plan, dev.skiff.sdk.Schedule schedule, String format) {
    var manifests = DryRun.manifests(plan, config, schedule);
    return "json".equals(format)
        ? io.fabric8.kubernetes.client.utils.Serialization.asJson(manifests)
        : DryRun.yaml(manifests);
  }

  @Override
  public void stop(String runId) {
    // The orchestrator pod watches for the request: it cancels running steps (deleting their
    // pods), marks what is left stopped or skipped and finishes the run. If it is gone, the run
    // is finished here.
    if (dev.skiff.core.engine.RunLifecycle.requestStop(context.store(), runId)) {
      try {
        dev.skiff.core.engine.RunLifecycle.awaitStopped(context.store(), runId, STOP_TIMEOUT);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    client()
        .batch()
        .v1()
        .jobs()
        .inNamespace(config.kubernetesNamespace())
        .withName(Names.orchestratorJob(runId))
        .delete();
    client()
        .pods()
        .inNamespace(config.kubernetesNamespace())
        .withLabel(Labels.RUN_SELECTOR, Names.labelValue(runId))
        .delete();
  }

  /** How long {@code runs stop} waits for the orchestrator pod to finish the stop itself. */
  static final java.time.Duration STOP_TIMEOUT = java.time.Duration.ofSeconds(20);

  private void submit(
      KubernetesClient k8s,
      RunPlan plan,
      String runId,
      KubernetesSettings settings,
      Manifests manifests) {
    String ns = config.kubernetesNamespace();
    try {
      Job job =
          k8s.batch()
              .v1()
              .jobs()
              .inNamespace(ns)
              .resource(
                  manifests.orchestratorJob(
                      plan,
                      runId,
                      settings.orchestratorPodSettings(),
                      settings.effectiveServiceAccount()))
              .create();
      var secret = manifests.runSecret(runId, plan.pipeline(), storesForPods());
      secret.getMetadata().setOwnerReferences(java.util.List.of(Manifests.ownedBy(job)));
      k8s.secrets().inNamespace(ns).resource(secret).create();
    } catch (KubernetesClientException e) {
      context
          .store()
          .updateRun(runId, RunStatus.FAILED, Instant.now(), "could not submit: " + e.getCode());
      if (e.getCode() == 404) {
        throw ClusterSetup.missingNamespace(ns);
      }
      throw ClusterAccess.explain(
          e, "creating the orchestrator Job of run " + runId, k8s.getMasterUrl().toString());
    }
  }

  /** The client's stores, with the metadata URL the pods use when the configuration names one. */
  private StoreAccess storesForPods() {
    StoreAccess stores = context.stores();
    return config.metadataUrl() != null
        ? new StoreAccess(config.metadataUrl(), stores.metadataPassword(), stores.artifactStore())
        : stores;
  }

  /** The configured prebuilt image, else one built and pushed to the stack's container registry. */
  private String image(RunPlan plan) {
    if (config.image() != null && !config.image().isBlank()) {
      return config.image();
    }
    if (context.images() != null) {
      return context.images().imageFor(plan);
    }
    throw new ConfigException(
        "the kubernetes orchestrator needs an image holding Skiff and your code: add a container registry to the stack"
            + " (skiff stack update "
            + context.stack()
            + " -c REGISTRY) or set a prebuilt one with 'skiff orchestrator update NAME --image=...'");
  }

  private synchronized KubernetesClient client() {
    if (client == null) {
      client = ClusterAccess.connect(config.kubernetesContext());
    }
    return client;
  }
}
