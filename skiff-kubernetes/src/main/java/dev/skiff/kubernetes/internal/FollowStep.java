package dev.skiff.kubernetes.internal;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.RunStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The last step of a run or resume: a synchronous run is followed to its end ({@link RunFollower}:
 * the orchestrator pod's events, then the final status); an asynchronous one returns at once,
 * saying how to follow it.
 */
final class FollowStep {
  private final KubernetesClient client;
  private final String namespace;
  private final MetadataStore store;

  FollowStep(KubernetesClient client, String namespace, MetadataStore store) {
    this.client = client;
    this.namespace = namespace;
    this.store = store;
  }

  /**
   * The run's final status, or {@link RunStatus#RUNNING} for an asynchronous run.
   *
   * @param job the orchestrator Job just created: only its pods are followed
   * @param resumed whether the run is being resumed
   */
  RunStatus follow(
      RunPlan plan,
      String runId,
      Job job,
      KubernetesSettings settings,
      boolean resumed,
      RunListener listener) {
    if (!settings.synchronous()) {
      listener.onEvent(
          new RunEvent.OrchestratorLine(
              runId,
              "Submitted run "
                  + runId
                  + " to namespace "
                  + namespace
                  + "; follow it with 'skiff runs logs "
                  + runId
                  + "'"));
      return RunStatus.RUNNING;
    }
    return new RunFollower(
            client,
            store,
            plan,
            runId,
            job.getMetadata().getUid(),
            namespace,
            settings.podStartupTimeout(),
            resumed,
            listener)
        .follow();
  }
}
