package dev.skiff.kubernetes.internal;

import dev.skiff.core.engine.RunIds;
import dev.skiff.core.engine.RunLifecycle;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.RunOwnedException;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.ScheduleRecord;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.Schedule;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs plans on Kubernetes. A submission is a short list of steps, each its own class, composed
 * differently for a run, a resume and a schedule: {@link ClusterCheck} (API server and namespace),
 * {@link ImageStep} (the image, built if need be), {@link RbacStep} (service account, Role,
 * binding), then the orchestrator Job and its Secret ({@link JobSubmission}) — or the CronJob
 * ({@link ScheduleSubmission}) — and {@link FollowStep} for synchronous runs. Whether pods can
 * reach the stores ({@link StackCheck}) is asked by the CLI before all of it. The orchestrator pod
 * does the rest (see {@code OrchestratorMain}). What is a setting ({@link KubernetesSettings}:
 * service accounts, pod settings, Job and schedule settings, ...) comes from the plan, where it was
 * resolved; the rest of the configuration (context, namespace, image, pull secrets, metadata URL)
 * from the component.
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

  /** check cluster → image → RBAC → record the run → Job and Secret → follow. */
  @Override
  public Result run(RunPlan plan, RunListener listener) {
    KubernetesSettings settings = KubernetesSettings.of(plan, config);
    KubernetesClient k8s = client();
    new ClusterCheck(k8s, namespace()).check();
    Manifests manifests = new Manifests(config, new ImageStep(config, context).image(plan));
    new RbacStep(k8s, namespace(), settings.serviceAccountName()).ensure(manifests);
    String runId = recordRun(plan);
    Job job = jobSubmission(k8s).submit(plan, runId, settings, manifests);
    current.set(runId);
    try {
      return new Result(runId, followStep(k8s).follow(plan, runId, job, settings, false, listener));
    } finally {
      current.set(null);
    }
  }

  /**
   * Runs a failed or stopped run again with a new orchestrator Job of the same name: check cluster
   * → image → RBAC → the previous Job and Secret deleted, and gone ({@link PreviousJobRemoval}) →
   * new Job and Secret → follow. Its steps get new attempts, hence new pod names.
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
    KubernetesClient k8s = client();
    new ClusterCheck(k8s, namespace()).check();
    Manifests manifests = new Manifests(config, new ImageStep(config, context).image(plan));
    if (RunLifecycle.isLive(context.store(), run, Instant.now())) {
      throw new RunOwnedException(runId, context.store().findLease(runId).orElse(null));
    }
    new RbacStep(k8s, namespace(), settings.serviceAccountName()).ensure(manifests);
    new PreviousJobRemoval(k8s, namespace(), PREVIOUS_JOB_TIMEOUT).remove(runId);
    RunLifecycle.prepareResume(context.store(), runId, Instant.now());
    Job job = jobSubmission(k8s).submit(plan, runId, settings, manifests);
    current.set(runId); // Ctrl-C stops a resumed run as it stops a new one
    try {
      return new Result(runId, followStep(k8s).follow(plan, runId, job, settings, true, listener));
    } finally {
      current.set(null);
    }
  }

  private String recordRun(RunPlan plan) {
    String runId = RunIds.newId(plan.pipeline());
    context
        .store()
        .createRun(
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
    return runId;
  }

  private JobSubmission jobSubmission(KubernetesClient k8s) {
    return new JobSubmission(k8s, namespace(), context.store(), stackCheck().storesForPods());
  }

  private FollowStep followStep(KubernetesClient k8s) {
    return new FollowStep(k8s, namespace(), context.store());
  }

  private StackCheck stackCheck() {
    return new StackCheck(config, context);
  }

  private String namespace() {
    return config.kubernetesNamespace();
  }

  @Override
  public boolean runsRemotely() {
    return true;
  }

  /** Pods cannot reach this machine's folders or SQLite file, unless declared mounted. */
  @Override
  public List<String> storeProblems() {
    return stackCheck().problems();
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
   * new run of that plan. cron expression checked ({@link CronExpressions}) → check cluster → image
   * → RBAC → CronJob and Secret; nothing to follow.
   */
  @Override
  public void schedule(RunPlan plan, Schedule schedule, RunListener listener) {
    String cron = CronExpressions.check(schedule.cron());
    KubernetesSettings settings = KubernetesSettings.of(plan, config);
    KubernetesClient k8s = client();
    new ClusterCheck(k8s, namespace()).check();
    Manifests manifests = new Manifests(config, new ImageStep(config, context).image(plan));
    new RbacStep(k8s, namespace(), settings.serviceAccountName()).ensure(manifests);
    CronJob cronJob =
        new ScheduleSubmission(
                k8s, namespace(), context.store(), stackCheck().storesForPods(), context.stack())
            .submit(plan, schedule, cron, settings, manifests);
    listener.onEvent(
        new RunEvent.OrchestratorLine(
            null,
            "Scheduled pipeline "
                + plan.pipeline()
                + " ("
                + cron
                + ") as CronJob "
                + namespace()
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

  private synchronized KubernetesClient client() {
    if (client == null) {
      client = ClusterAccess.connect(config.kubernetesContext());
    }
    return client;
  }
}
