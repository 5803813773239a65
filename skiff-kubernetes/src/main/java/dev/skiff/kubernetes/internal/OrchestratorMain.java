package dev.skiff.kubernetes.internal;

import dev.skiff.core.engine.DagScheduler;
import dev.skiff.core.engine.RunIds;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.Redaction;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.ScheduleRecord;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.RunStatus;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The orchestrator pod: walks the run's plan with the {@link DagScheduler} and a {@link
 * PodLauncher}. Step pods use this pod's image and pull secrets, the settings resolved into the
 * plan for their step (pod settings, step service account, startup timeout), and are owned by its
 * Job (not as controller), so the cluster deletes them with it.
 *
 * <p>Exit codes: 0 once the run has ended (whatever its status); {@link #CONFIGURATION_ERROR} (3)
 * when the run cannot start because of its configuration (no run Secret, a run or schedule missing
 * from the metadata store the pod was given, an unreadable plan), which the Job's podFailurePolicy
 * turns into a failed Job at once; any other code means the orchestrator itself broke, and the
 * Job's next pod continues the run without re-running finished steps.
 *
 * <p>Output: one JSON line per run event on stdout ({@link RunEventCodec}), its own messages
 * included (as orchestrator lines), which the client decodes into the events a local run gives;
 * only a crash trace is plain text.
 *
 * <p>A scheduled run's pod records the run id on its own Job the first time (annotation {@value
 * #RUN_ANNOTATION}, label {@code skiff.dev/run}): a pod the Job starts again continues that run
 * instead of recording a new one, so each firing is one run.
 */
public final class OrchestratorMain {
  /** The exit code for "this run cannot start as configured": the Job fails without retrying. */
  public static final int CONFIGURATION_ERROR = 3;

  /** The annotation on a scheduled firing's Job naming the run it records. */
  public static final String RUN_ANNOTATION = "skiff.dev/run-id";

  private OrchestratorMain() {}

  /** The run cannot start as configured: a new pod would fail the same way. */
  static final class ConfigurationError extends RuntimeException {
    ConfigurationError(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static int run(String[] args) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    UnaryOperator<String> redact = UnaryOperator.identity();
    String runId = Arrays.asList(args).contains("--run") ? PodMain.option(args, "run") : null;
    try {
      PodEnvironment env = configuration(PodEnvironment::fromEnv);
      // errors and step logs this pod records or prints go through the redactor of the run
      // Secret's credentials
      redact = env.stores().redactor();
      return run(args, env, loader, new RunEventWriter(System.out, redact), redact);
    } catch (ConfigurationError e) {
      new RunEventWriter(System.out, redact)
          .line(runId, "orchestrator cannot start: " + e.getMessage());
      return CONFIGURATION_ERROR;
    } catch (RuntimeException e) {
      java.io.StringWriter trace = new java.io.StringWriter();
      e.printStackTrace(new java.io.PrintWriter(trace));
      new RunEventWriter(System.out, redact).line(runId, "orchestrator failed: " + e.getMessage());
      // the trace as plain lines, for people reading the pod's log; the client relays them as
      // orchestrator lines
      System.out.print(redact.apply(trace.toString()));
      System.out.flush();
      return 1;
    }
  }

  private static int run(
      String[] args,
      PodEnvironment env,
      ClassLoader loader,
      RunEventWriter events,
      UnaryOperator<String> redact) {
    ApiRateLimiter apiLimit = new ApiRateLimiter(); // the plan's apiQps and apiBurst, once read
    try (MetadataStore store = Redaction.metadataStore(env.openStore(loader), redact);
        KubernetesClient client = ClusterAccess.inCluster(apiLimit)) {
      ArtifactStore artifacts = Redaction.artifactStore(env.openArtifacts(loader), redact);
      String ns = env.namespace() != null ? env.namespace() : client.getNamespace();
      Pod self = client.pods().inNamespace(ns).withName(env.podName()).get();
      if (self == null) {
        throw new IllegalStateException(
            "cannot find my own pod " + env.podName() + " in namespace " + ns);
      }
      OwnerReference job =
          self.getMetadata().getOwnerReferences().stream()
              .filter(o -> "Job".equals(o.getKind()))
              .findFirst()
              .orElse(null);
      String runId;
      RunPlan plan;
      String secretOverride = null;
      if (Arrays.asList(args).contains("--schedule")) {
        // a CronJob fired: record a new run of the scheduled plan, once per firing
        String[] key = PodMain.option(args, "schedule").split("/", 2);
        ScheduleRecord schedule =
            configuration(
                () ->
                    ScheduleRecord.find(store, key[0], key[1])
                        .orElseThrow(
                            () ->
                                new IllegalStateException(
                                    "schedule "
                                        + key[0]
                                        + "/"
                                        + key[1]
                                        + " is not in the metadata store: it was deleted")));
        plan = configuration(() -> RunPlan.fromJson(schedule.planJson()));
        RunPlan scheduled = plan;
        runId = runOfFiring(client, ns, job, () -> RunIds.newId(scheduled.pipeline()));
        secretOverride = ownSecret(self);
        if (store.findRun(runId).isEmpty()) {
          store.createRun(
              new RunRecord(
                  runId,
                  plan.pipeline(),
                  RunStatus.RUNNING,
                  "kubernetes",
                  plan.hash(),
                  plan.toJson(),
                  Instant.now(),
                  null,
                  null));
          events.line(
              runId,
              "Scheduled run "
                  + runId
                  + " of "
                  + schedule.pipeline()
                  + " (schedule "
                  + schedule.name()
                  + ")");
        } else {
          events.line(runId, "Continuing scheduled run " + runId + " of " + schedule.pipeline());
        }
      } else {
        String given = PodMain.option(args, "run");
        runId = given;
        plan = configuration(() -> PodEnvironment.plan(store, given));
        secretOverride = ownSecret(self);
      }
      RunStatus recorded = store.findRun(runId).map(RunRecord::status).orElse(RunStatus.RUNNING);
      if (recorded.isFinal()) {
        // a pod of this Job started again after the run ended (stopped, or finished before the
        // pod's exit was seen): there is nothing left to do, and nothing to redo
        events.line(
            runId,
            "Run "
                + runId
                + " already ended "
                + recorded.name().toLowerCase(java.util.Locale.ROOT));
        return 0;
      }
      String image = self.getSpec().getContainers().get(0).getImage();
      List<String> pullSecrets =
          self.getSpec().getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
      // the settings as resolved into the plan: the run's, and each step's own
      RunPlan runPlan = plan;
      KubernetesSettings settings =
          plan.setting(KubernetesSettings.KEY, KubernetesSettings.class)
              .orElse(KubernetesSettings.DEFAULTS);
      apiLimit.setRate(settings.apiQps(), settings.apiBurst());
      // the Job owns the step pods, not as their controller: its selector does not match them
      OwnerReference owner = job == null ? null : Manifests.ownedBy(job);
      // read from the plan's JSON once per step, not once per attempt
      Map<String, KubernetesSettings> stepSettings = new ConcurrentHashMap<>();
      PodLauncher.Options options =
          PodLauncher.Options.newBuilder(ns, runId)
              .owner(owner)
              .stepSettings(
                  step ->
                      stepSettings.computeIfAbsent(
                          step, s -> KubernetesSettings.of(runPlan.step(s), settings)))
              .serviceAccount(self.getSpec().getServiceAccountName())
              .keepPods(settings.keepPods())
              .maxParallelism(settings.maxParallelism())
              .build();
      Manifests manifests = new Manifests(ns, pullSecrets, image).withRunSecret(secretOverride);
      try (PodLauncher launcher = new PodLauncher(client, store, manifests, options)) {
        // the Job, not the pod, owns the run: a pod the Job restarts takes the lease back at once
        String leaseOwner =
            "job " + ns + "/" + (job != null ? job.getName() : self.getMetadata().getName());
        RunStatus status =
            new DagScheduler(store, launcher, events, artifacts, leaseOwner).run(plan, runId);
        return status.isFinal() ? 0 : 1;
      }
    }
  }

  /**
   * The run of this firing: the one recorded on the Job by an earlier pod of it, else a new id
   * written there first (an update with the Job's resourceVersion, so two pods cannot record two
   * runs).
   */
  static String runOfFiring(
      KubernetesClient client,
      String ns,
      OwnerReference job,
      java.util.function.Supplier<String> newId) {
    if (job == null) {
      return newId.get(); // not started by a Job (by hand): nothing to continue
    }
    for (int attempt = 0; attempt < 10; attempt++) {
      Job current = client.batch().v1().jobs().inNamespace(ns).withName(job.getName()).get();
      if (current == null || !job.getUid().equals(current.getMetadata().getUid())) {
        throw new IllegalStateException("my Job " + ns + "/" + job.getName() + " is gone");
      }
      Map<String, String> annotations =
          current.getMetadata().getAnnotations() == null
              ? new LinkedHashMap<>()
              : new LinkedHashMap<>(current.getMetadata().getAnnotations());
      String recorded = annotations.get(RUN_ANNOTATION);
      if (recorded != null) {
        return recorded;
      }
      String runId = newId.get();
      annotations.put(RUN_ANNOTATION, runId);
      Map<String, String> labels =
          current.getMetadata().getLabels() == null
              ? new LinkedHashMap<>()
              : new LinkedHashMap<>(current.getMetadata().getLabels());
      labels.put(Labels.RUN_SELECTOR, Names.labelValue(runId));
      current.getMetadata().setAnnotations(annotations);
      current.getMetadata().setLabels(labels);
      try {
        client.batch().v1().jobs().inNamespace(ns).resource(current).update();
        return runId;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // another pod of this Job wrote first, or the Job controller updated it: read it again
      }
    }
    throw new IllegalStateException(
        "could not record the run id on Job " + ns + "/" + job.getName() + ": it keeps changing");
  }

  /**
   * Runs {@code step}; what it throws (but the API and store errors a retry may cure) is a
   * configuration error.
   */
  private static <T> T configuration(java.util.function.Supplier<T> step) {
    try {
      return step.get();
    } catch (IllegalStateException | IllegalArgumentException | ConfigException e) {
      throw new ConfigurationError(e.getMessage(), e);
    }
  }

  /** The Secret this pod reads its store addresses from. */
  private static String ownSecret(Pod self) {
    return self.getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
        .map(e -> e.getValueFrom().getSecretKeyRef().getName())
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("this pod has no Secret with store addresses"));
  }
}
