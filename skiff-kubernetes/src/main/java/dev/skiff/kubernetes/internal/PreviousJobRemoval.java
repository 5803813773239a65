package dev.skiff.kubernetes.internal;

import dev.skiff.core.stack.ConfigException;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;

/**
 * Before a resume: deletes the run's previous orchestrator Job (its pods go with it) and Secret,
 * and waits until both are gone, so the new ones of the same names never meet the old ones' garbage
 * collection (a Secret deleted under the new Job, or a 409 while the old one is still there).
 */
final class PreviousJobRemoval {
  private final KubernetesClient client;
  private final String namespace;
  private final Duration timeout;

  /**
   * @param timeout how long the previous objects may take to go before the resume gives up
   */
  PreviousJobRemoval(KubernetesClient client, String namespace, Duration timeout) {
    this.client = client;
    this.namespace = namespace;
    this.timeout = timeout;
  }

  void remove(String runId) {
    String jobName = Names.orchestratorJob(runId);
    String secretName = Names.runSecret(runId);
    try {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace)
          .withName(jobName)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
      client.secrets().inNamespace(namespace).withName(secretName).delete();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get() != null
          || client.secrets().inNamespace(namespace).withName(secretName).get() != null) {
        if (System.nanoTime() > deadline) {
          throw new ConfigException(
              "the previous orchestrator Job "
                  + jobName
                  + " of run "
                  + runId
                  + " or its Secret "
                  + secretName
                  + " is still being deleted after "
                  + timeout.toSeconds()
                  + " s: see what holds it (kubectl get job,secret -n "
                  + namespace
                  + " -o yaml: finalizers) and resume again");
        }
        Thread.sleep(250);
      }
    } catch (KubernetesClientException e) {
      throw ClusterAccess.explain(
          e,
          "removing the previous orchestrator Job of run " + runId,
          client.getMasterUrl().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the previous Job of " + runId + " went");
    }
  }
}
