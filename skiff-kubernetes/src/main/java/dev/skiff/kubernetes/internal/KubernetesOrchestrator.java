package dev.skiff.kubernetes.internal;

import dev.skiff.core.engine.RunIds;
import dev.skiff.core.engine.RunLifecycle;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.RunOwnedException;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.ScheduleRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.Schedule;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs plans on Kubernetes: records the run, creates the orchestrator Job (and its run Secret,
 * owned by the Job), and for synchronous runs streams the run's output until it ends. The
 * orchestrator pod does the rest (see {@code OrchestratorMain}). What is a setting ({@link
 * KubernetesSettings}: service accounts, pod settings, Job and schedule settings, ...) comes from
 * the plan, where it was resolved; the rest of the configuration (context, namespace, image, pull
 * secrets, metadata URL) from the component.
 */
public final class KubernetesOrchestrator implements Orchestrator {
  public static final String NAME = "kubernetes";

  /** How long {@code runs stop} waits for the orchestrator pod to finish the stop itself. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  /** How long a resume waits for the previous orchestrator Job and its Secret to be gone. */
  static final Duration PREVIOUS_JOB_TIMEOUT = Duration.ofMinutes(2);

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
    String image = image(plan);
    KubernetesClient k8s = client();
    ClusterSetup setup =
        new ClusterSetup(k8s, config.kubernetesNamespace(), settings.serviceAccountName());
    setup.checkNamespace();
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
    Job job = submit(k8s, plan, runId, settings, manifests);
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
      return new Result(runId, follower(k8s, plan, runId, job, settings, listener).follow());
    } finally {
      current.set(null);
    }
  }

  /**
   * Runs a failed or stopped run again with a new orchestrator Job of the same name: the previous
   * Job is deleted (its pods go with it) with its Secret, and the new ones are created only once
   * both are gone, so the new Job never meets the previous Job's garbage collection (a Secret of
   * the same name deleted under it, or a 409 while it is still there). Its steps get new attempts,
   * hence new pod names.
   */
  @Override
  public Result resume(String runId, RunListener listener) {
    RunRecord run =
        context
            .store()
            .findRun(runId)
            .orElseThrow(() -> new IllegalArgumentException("run " + runId + " not found"));
    RunPlan plan = RunPlan.fromJson(run.planJson());
    KubernetesSettings settings = KubernetesSettings.of(plan, config);
    String image = image(plan);
    KubernetesClient k8s = client();
    if (RunLifecycle.isLive(context.store(), run, Instant.now())) {
      throw new RunOwnedException(runId, context.store().findLease(runId).orElse(null));
    }
    removePreviousJob(k8s, runId);
    RunLifecycle.prepareResume(context.store(), runId, Instant.now());
    Job job = submit(k8s, plan, runId, settings, new Manifests(config, image));
    return new Result(
        runId,
        settings.synchronous()
            ? follower(k8s, plan, runId, job, settings, listener).follow()
            : RunStatus.RUNNING);
  }

  private RunFollower follower(
      KubernetesClient k8s,
      RunPlan plan,
      String runId,
      Job job,
      KubernetesSettings settings,
      RunListener listener) {
    return new RunFollower(
        k8s,
        context.store(),
        plan,
        runId,
        job.getMetadata().getUid(),
        config.kubernetesNamespace(),
        settings.podStartupTimeout(),
        listener);
  }

  /** Deletes the run's orchestrator Job and Secret, and waits until both are gone. */
  private void removePreviousJob(KubernetesClient k8s, String runId) {
    String ns = config.kubernetesNamespace();
    String jobName = Names.orchestratorJob(runId);
    String secretName = Names.runSecret(runId);
    try {
      k8s.batch()
          .v1()
          .jobs()
          .inNamespace(ns)
          .withName(jobName)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
      k8s.secrets().inNamespace(ns).withName(secretName).delete();
      long deadline = System.nanoTime() + PREVIOUS_JOB_TIMEOUT.toNanos();
      while (k8s.batch().v1().jobs().inNamespace(ns).withName(jobName).get() != null
          || k8s.secrets().inNamespace(ns).withName(secretName).get() != null) {
        if (System.nanoTime() > deadline) {
          throw new ConfigException(
              "the previous orchestrator Job "
                  + jobName
                  + " of run "
                  + runId
                  + " or its Secret "
                  + secretName
                  + " is still being deleted after "
                  + PREVIOUS_JOB_TIMEOUT.toSeconds()
                  + " s: see what holds it (kubectl get job,secret -n "
                  + ns
                  + " -o yaml: finalizers) and resume again");
        }
        Thread.sleep(250);
      }
    } catch (KubernetesClientException e) {
      throw ClusterAccess.explain(
          e,
          "removing the previous orchestrator Job of run " + runId,
          k8s.getMasterUrl().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the previous Job of " + runId + " went");
    }
  }

  @Override
  public boolean runsRemotely() {
    return true;
  }

  /** Pods cannot reach this machine's folders or SQLite file, unless declared mounted. */
  @Override
  public List<String> storeProblems() {
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
   * new run of that plan. The cron expression is checked first (see {@link CronExpressions}).
   */
  @Override
  public void schedule(RunPlan plan, Schedule schedule, RunListener listener) {
    String cron = CronExpressions.check(schedule.cron());
    KubernetesSettings settings = KubernetesSettings.of(plan, config);
    String image = image(plan);
    KubernetesClient k8s = client();
    ClusterSetup setup =
        new ClusterSetup(k8s, config.kubernetesNamespace(), settings.serviceAccountName());
    setup.checkNamespace();
    Manifests manifests = new Manifests(config, image);
    setup.ensureServiceAccount(manifests);
    String ns = config.kubernetesNamespace();
    String secretName = DryRun.scheduleSecret(plan, schedule);
    CronJob cronJob = manifests.cronJob(plan, schedule.name(), cron, secretName, settings);
    new ScheduleRecord(
            plan.pipeline(),
            schedule.name(),
            cron,
            context.stack(),
            NAME,
            ns + "/" + cronJob.getMetadata().getName(),
            plan.toJson(),
            false,
            Instant.now())
        .save(context.store());
    try {
      CronJob created =
          k8s.batch()
              .v1()
              .cronjobs()
              .inNamespace(ns)
              .resource(cronJob)
              .createOr(NonDeletingOperation::update);
      var secret =
          manifests.runSecret(
              "schedule-" + plan.pipeline() + "-" + schedule.name(),
              plan.pipeline(),
              storesForPods());
      secret.getMetadata().setName(secretName);
      secret
          .getMetadata()
          .setOwnerReferences(
              List.of(
                  Manifests.ownerReference(
                      "batch/v1",
                      "CronJob",
                      created.getMetadata().getName(),
                      created.getMetadata().getUid())));
      k8s.secrets().inNamespace(ns).resource(secret).createOr(NonDeletingOperation::update);
    } catch (KubernetesClientException e) {
      ScheduleRecord.delete(context.store(), plan.pipeline(), schedule.name());
      throw ClusterAccess.explain(
          e, "creating the CronJob of schedule " + schedule.name(), k8s.getMasterUrl().toString());
    }
    listener.onEvent(
        new RunEvent.OrchestratorLine(
            null,
            "Scheduled pipeline "
                + plan.pipeline()
                + " ("
                + cron
                + ") as CronJob "
                + ns
                + "/"
                + cronJob.getMetadata().getName()));
  }

  /** Changes the cron expression of a schedule's CronJob (checked first) and its record. */
  @Override
  public void updateSchedule(ScheduleRecord schedule, String cron) {
    String checked = CronExpressions.check(cron);
    String[] where = schedule.location().split("/", 2);
    KubernetesClient k8s = client();
    try {
      k8s.batch()
          .v1()
          .cronjobs()
          .inNamespace(where[0])
          .withName(where[1])
          .edit(
              c -> {
                c.getSpec().setSchedule(checked);
                return c;
              });
    } catch (KubernetesClientException e) {
      throw ClusterAccess.explain(
          e, "updating CronJob " + schedule.location(), k8s.getMasterUrl().toString());
    }
    new ScheduleRecord(
            schedule.pipeline(),
            schedule.name(),
            checked,
            schedule.stack(),
            schedule.orchestrator(),
            schedule.location(),
            schedule.planJson(),
            schedule.paused(),
            schedule.createdAt())
        .save(context.store());
  }

  /** Suspends or resumes a schedule's CronJob. */
  @Override
  public void pauseSchedule(ScheduleRecord schedule, boolean paused) {
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

  /** Deletes a schedule's CronJob (its Secret and Jobs go with it) and its record. */
  @Override
  public void deleteSchedule(ScheduleRecord schedule) {
    String[] where = schedule.location().split("/", 2);
    client()
        .batch()
        .v1()
        .cronjobs()
        .inNamespace(where[0])
        .withName(where[1])
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
    ScheduleRecord.delete(context.store(), schedule.pipeline(), schedule.name());
  }

  @Override
  public String dryRun(RunPlan plan, String format) {
    var manifests = DryRun.manifests(plan, config, Optional.empty());
    return "json".equals(format) ? Serialization.asJson(manifests) : DryRun.yaml(manifests);
  }

  /**
   * The manifests {@link #schedule} would send, without contacting the cluster or recording the
   * schedule.
   */
  @Override
  public String dryRunSchedule(RunPlan plan, Schedule schedule, String format) {
    var manifests = DryRun.manifests(plan, config, schedule);
    return "json".equals(format) ? Serialization.asJson(manifests) : DryRun.yaml(manifests);
  }

  @Override
  public void stop(String runId) {
    // The orchestrator pod watches for the request: it cancels running steps (deleting their
    // pods), marks what is left stopped or skipped and finishes the run. If it is gone, the run
    // is finished here.
    if (RunLifecycle.requestStop(context.store(), runId)) {
      try {
        RunLifecycle.awaitStopped(context.store(), runId, STOP_TIMEOUT);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    String ns = config.kubernetesNamespace();
    // the run's Job: <run>-orchestrator, or the firing of a schedule that recorded the run on it
    client()
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns)
        .withLabel(Labels.RUN_SELECTOR, Names.labelValue(runId))
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
    client()
        .pods()
        .inNamespace(ns)
        .withLabel(Labels.RUN_SELECTOR, Names.labelValue(runId))
        .delete();
  }

  /**
   * Creates the run's orchestrator Job, then its Secret owned by the Job. If the Secret cannot be
   * created (403: the user may create Jobs but not Secrets, say), the Job is deleted again and the
   * run recorded failed: nothing is left behind.
   */
  private Job submit(
      KubernetesClient k8s,
      RunPlan plan,
      String runId,
      KubernetesSettings settings,
      Manifests manifests) {
    String ns = config.kubernetesNamespace();
    Job job;
    try {
      job =
          k8s.batch()
              .v1()
              .jobs()
              .inNamespace(ns)
              .resource(manifests.orchestratorJob(plan, runId, settings))
              .create();
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
    var secret = manifests.runSecret(runId, plan.pipeline(), storesForPods());
    secret.getMetadata().setOwnerReferences(List.of(Manifests.ownedBy(job)));
    try {
      k8s.secrets().inNamespace(ns).resource(secret).create();
    } catch (KubernetesClientException e) {
      String deleted = deleteJob(k8s, job);
      String name = secret.getMetadata().getName();
      context
          .store()
          .updateRun(
              runId,
              RunStatus.FAILED,
              Instant.now(),
              "could not submit: Secret " + name + ": " + e.getCode());
      String why =
          e.getCode() == 403
              ? "not allowed to create Secret "
                  + name
                  + " in namespace '"
                  + ns
                  + "' (403): "
                  + ClusterAccess.status(e)
                  + "; "
                  + deleted
                  + ": ask an admin for 'create' on secrets in namespace '"
                  + ns
                  + "'"
              : "cannot create Secret "
                  + name
                  + " in namespace '"
                  + ns
                  + "' ("
                  + e.getCode()
                  + "): "
                  + ClusterAccess.status(e)
                  + "; "
                  + deleted;
      throw new ConfigException(why.replace('\n', ' '), e);
    }
    return job;
  }

  /** Deletes a Job just created (its pods with it); says what happened. */
  private static String deleteJob(KubernetesClient k8s, Job job) {
    try {
      k8s.batch()
          .v1()
          .jobs()
          .inNamespace(job.getMetadata().getNamespace())
          .withName(job.getMetadata().getName())
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
      return "the orchestrator Job " + job.getMetadata().getName() + " was deleted again";
    } catch (KubernetesClientException e) {
      return "the orchestrator Job "
          + job.getMetadata().getName()
          + " could not be deleted ("
          + ClusterAccess.status(e)
          + "): delete it by hand";
    }
  }

  /** The client's stores, with the metadata URL the pods use when the configuration names one. */
  private StoreAccess storesForPods() {
    StoreAccess stores = context.stores();
    return config.metadataUrl() != null
        ? new StoreAccess(config.metadataUrl(), stores.metadataPassword(), stores.artifactStore())
        : stores;
  }

  /**
   * The configured prebuilt image (its reference checked), else one built and pushed to the stack's
   * container registry.
   */
  private String image(RunPlan plan) {
    if (config.image() != null && !config.image().isBlank()) {
      return ImageReference.check(config.image());
    }
    if (context.images() != null) {
      return context.images().imageFor(plan);
    }
    throw new ConfigException(
        "the kubernetes orchestrator needs an image holding Skiff and your code: add a container"
            + " registry to the stack (skiff stack update "
            + context.stack()
            + " -c REGISTRY) or set a prebuilt one with 'skiff orchestrator update NAME"
            + " --image=...'");
  }

  private synchronized KubernetesClient client() {
    if (client == null) {
      client = ClusterAccess.connect(config.kubernetesContext());
    }
    return client;
  }
}
