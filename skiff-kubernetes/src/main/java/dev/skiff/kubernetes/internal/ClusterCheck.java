package dev.skiff.kubernetes.internal;

import dev.skiff.core.stack.ConfigException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The first step of every submission: the API server answers and the namespace exists, before an
 * image is built or anything is created or recorded.
 */
final class ClusterCheck {
  private final KubernetesClient client;
  private final String namespace;

  ClusterCheck(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /**
   * Fails with one line naming the fix when the API server cannot be reached or the namespace is
   * missing. Users who may not read namespaces (403) pass: creating the run's objects then reports
   * a missing namespace.
   */
  void check() {
    try {
      if (client.namespaces().withName(namespace).get() == null) {
        throw missingNamespace(namespace);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw ClusterAccess.explain(
            e, "checking namespace '" + namespace + "'", client.getMasterUrl().toString());
      }
    }
  }

  static ConfigException missingNamespace(String ns) {
    return new ConfigException(
        "namespace '"
            + ns
            + "' does not exist: create it (kubectl create namespace "
            + ns
            + ") or set kubernetesNamespace");
  }
}
