package dev.skiff.kubernetes.internal;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.RunStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.util.List;

/**
 * Creates a recorded run's orchestrator Job suspended, then its Secret owned by the Job, then lets
 * the Job start its pod: the Secret must name the Job (its uid) to go with it, and a pod started
 * before the Secret exists waits in {@code CreateContainerConfigError} for the kubelet's next try,
 * seconds later. When a step cannot be done the run is recorded failed and nothing is left behind:
 * a Secret refused (403: the user may create Jobs but not Secrets, say) deletes the Job just
 * created again, and the error names the Secret.
 */
final class JobSubmission {
  private final KubernetesClient client;
  private final String namespace;
  private final MetadataStore store;
  private final StoreAccess storesForPods;

  JobSubmission(
      KubernetesClient client, String namespace, MetadataStore store, StoreAccess storesForPods) {
    this.client = client;
    this.namespace = namespace;
    this.store = store;
    this.storesForPods = storesForPods;
  }

  /** The Job created for run {@code runId} (already recorded in the store). */
  Job submit(RunPlan plan, String runId, KubernetesSettings settings, Manifests manifests) {
    Job job;
    try {
      job =
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace(namespace)
              .resource(suspended(manifests.orchestratorJob(plan, runId, settings)))
              .create();
    } catch (KubernetesClientException e) {
      store.updateRun(runId, RunStatus.FAILED, Instant.now(), "could not submit: " + e.getCode());
      if (e.getCode() == 404) {
        throw ClusterCheck.missingNamespace(namespace);
      }
      throw ClusterAccess.explain(
          e, "creating the orchestrator Job of run " + runId, client.getMasterUrl().toString());
    }
    var secret = manifests.runSecret(runId, plan.pipeline(), storesForPods);
    secret.getMetadata().setOwnerReferences(List.of(Manifests.ownedBy(job)));
    try {
      client.secrets().inNamespace(namespace).resource(secret).create();
    } catch (KubernetesClientException e) {
      String deleted = deleteJob(job);
      String name = secret.getMetadata().getName();
      store.updateRun(
          runId,
          RunStatus.FAILED,
          Instant.now(),
          "could not submit: Secret " + name + ": " + e.getCode());
      String why =
          e.getCode() == 403
              ? "not allowed to create Secret "
                  + name
                  + " in namespace '"
                  + namespace
                  + "' (403): "
                  + ClusterAccess.status(e)
                  + "; "
                  + deleted
                  + ": ask an admin for 'create' on secrets in namespace '"
                  + namespace
                  + "'"
              : "cannot create Secret "
                  + name
                  + " in namespace '"
                  + namespace
                  + "' ("
                  + e.getCode()
                  + "): "
                  + ClusterAccess.status(e)
                  + "; "
                  + deleted;
      throw new ConfigException(why.replace('\n', ' '), e);
    }
    try {
      return client
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace)
          .resource(job) // the Job as created: no read before the patch
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":false}}");
    } catch (KubernetesClientException e) {
      String deleted = deleteJob(job); // its Secret goes with it
      store.updateRun(runId, RunStatus.FAILED, Instant.now(), "could not submit: " + e.getCode());
      throw new ConfigException(
          ("cannot start the orchestrator Job "
                  + job.getMetadata().getName()
                  + " ("
                  + e.getCode()
                  + "): "
                  + ClusterAccess.status(e)
                  + "; "
                  + deleted
                  + (e.getCode() == 403
                      ? ": ask an admin for 'patch' on jobs in namespace '" + namespace + "'"
                      : ""))
              .replace('\n', ' '),
          e);
    }
  }

  /** {@code job} created with no pod until it is let go ({@code spec.suspend}). */
  private static Job suspended(Job job) {
    job.getSpec().setSuspend(true);
    return job;
  }

  /** Deletes a Job just created (its pods with it); says what happened. */
  private String deleteJob(Job job) {
    try {
      client
          .batch()
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
}
