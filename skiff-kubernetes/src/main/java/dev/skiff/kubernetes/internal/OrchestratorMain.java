package dev.skiff.kubernetes.internal;

import dev.skiff.core.engine.DagScheduler;
import dev.skiff.core.engine.RunIds;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.Redaction;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.ScheduleRecord;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.RunStatus;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The orchestrator pod: walks the run's plan with the {@link DagScheduler} and a {@link
 * PodLauncher}. Step pods use this pod's image and pull secrets, the settings resolved into the
 * plan for their step (pod settings, service account, else this pod's, startup timeout), and are
 * owned by its Job, so the cluster deletes them with it. Exits 0 once the run has ended (whatever
 * its status): a non-zero exit means the orchestrator itself broke, and the Job's restart then
 * resumes the run without re-running finished steps.
 */
public final class OrchestratorMain {
  private OrchestratorMain() {}

  public static int run(String[] args) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    PodEnvironment env = PodEnvironment.fromEnv();
    // errors and step logs this pod records go through the redactor of the run Secret's credentials
    java.util.function.UnaryOperator<String> redact = env.stores().redactor();
    try (MetadataStore store = Redaction.metadataStore(env.openStore(loader), redact);
        KubernetesClient client = new KubernetesClientBuilder().build()) {
      ArtifactStore artifacts = Redaction.artifactStore(env.openArtifacts(loader), redact);
      String ns = env.namespace() != null ? env.namespace() : client.getNamespace();
      Pod self = client.pods().inNamespace(ns).withName(env.podName()).get();
      if (self == null) {
        throw new IllegalStateException(
            "cannot find my own pod " + env.podName() + " in namespace " + ns);
      }
      String runId;
      RunPlan plan;
      String secretOverride = null;
      if (Arrays.asList(args).contains("--schedule")) {
        // a CronJob fired: record a new run of the scheduled plan
        String[] key = PodMain.option(args, "schedule").split("/", 2);
        ScheduleRecord schedule =
            ScheduleRecord.find(store, key[0], key[1])
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            "schedule "
                                + key[0]
                                + "/"
                                + key[1]
                                + " is not in the metadata store: it was deleted"));
        plan = RunPlan.fromJson(schedule.planJson());
        runId = RunIds.newId(plan.pipeline());
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
        secretOverride = ownSecret(self);
        System.out.println(
            "Scheduled run "
                + runId
                + " of "
                + schedule.pipeline()
                + " (schedule "
                + schedule.name()
                + ")");
      } else {
        runId = PodMain.option(args, "run");
        plan = PodEnvironment.plan(store, runId);
        RunStatus recorded = store.findRun(runId).map(RunRecord::status).orElse(RunStatus.RUNNING);
        if (recorded.isFinal()) {
          // a pod of this Job started again after the run ended (stopped, or finished before the
          // pod's exit was seen): there is nothing left to do, and nothing to redo
          System.out.println(
              "Run "
                  + runId
                  + " already ended "
                  + recorded.name().toLowerCase(java.util.Locale.ROOT));
          return 0;
        }
      }
      String image = self.getSpec().getContainers().get(0).getImage();
      List<String> pullSecrets =
          self.getSpec().getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
      // the settings as resolved into the plan: the run's, and each step's own
      KubernetesSettings settings =
          plan.setting(KubernetesSettings.KEY, KubernetesSettings.class)
              .orElse(KubernetesSettings.DEFAULTS);
      OwnerReference owner =
          self.getMetadata().getOwnerReferences().stream()
              .filter(o -> "Job".equals(o.getKind()))
              .findFirst()
              .orElse(null);
      PodLauncher.Options options =
          new PodLauncher.Options(
              ns,
              runId,
              owner,
              step -> KubernetesSettings.of(plan.step(step), settings),
              self.getSpec().getServiceAccountName(),
              settings.keepPods(),
              settings.maxParallelism());
      Manifests manifests =
          secretOverride == null
              ? new Manifests(ns, pullSecrets, image)
              : new Manifests(ns, pullSecrets, image).withRunSecret(secretOverride);
      try (PodLauncher launcher = new PodLauncher(client, store, manifests, options)) {
        // the Job, not the pod, owns the run: a pod the Job restarts takes the lease back at once
        String leaseOwner =
            "job " + ns + "/" + (owner != null ? owner.getName() : self.getMetadata().getName());
        RunStatus status =
            new DagScheduler(
                    store, launcher, new PlainRunPrinter(System.out), artifacts, leaseOwner)
                .run(plan, runId);
        System.out.flush();
        return status.isFinal() ? 0 : 1;
      }
    } catch (RuntimeException e) {
      java.io.StringWriter trace = new java.io.StringWriter();
      e.printStackTrace(new java.io.PrintWriter(trace));
      System.out.println(redact.apply("orchestrator failed: " + e.getMessage()));
      System.out.print(redact.apply(trace.toString()));
      return 1;
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
