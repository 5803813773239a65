package dev.skiff.kubernetes.internal;

import dev.skiff.core.stack.ConfigException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;

/**
 * Creates (or updates) Skiff's least-privilege service account {@code skiff-service-account}, its
 * Role and RoleBinding, unless the run names its own service account (then nothing is created).
 */
final class RbacStep {
  private final KubernetesClient client;
  private final String namespace;
  private final String serviceAccountName;

  /**
   * @param serviceAccountName the run's service account (resolved settings), null for Skiff's own
   */
  RbacStep(KubernetesClient client, String namespace, String serviceAccountName) {
    this.client = client;
    this.namespace = namespace;
    this.serviceAccountName = serviceAccountName;
  }

  void ensure(Manifests manifests) {
    if (serviceAccountName != null) {
      return;
    }
    try {
      client
          .serviceAccounts()
          .inNamespace(namespace)
          .resource(manifests.serviceAccount())
          .createOr(NonDeletingOperation::update);
    } catch (KubernetesClientException e) {
      throw rbacError(e, "service account");
    }
    try {
      client
          .rbac()
          .roles()
          .inNamespace(namespace)
          .resource(manifests.role())
          .createOr(NonDeletingOperation::update);
      client
          .rbac()
          .roleBindings()
          .inNamespace(namespace)
          .resource(manifests.roleBinding())
          .createOr(NonDeletingOperation::update);
    } catch (KubernetesClientException e) {
      throw rbacError(e, "Role and RoleBinding");
    }
  }

  private ConfigException rbacError(KubernetesClientException e, String what) {
    if (e.getCode() == 403) {
      return new ConfigException(
          "not allowed to create the "
              + what
              + " for Skiff in namespace '"
              + namespace
              + "' (403): ask an admin for a service account that may manage pods there and set serviceAccountName",
          e);
    }
    if (e.getCode() == 404) {
      return ClusterCheck.missingNamespace(namespace);
    }
    return ClusterAccess.explain(
        e,
        "creating the " + what + " in namespace '" + namespace + "'",
        client.getMasterUrl().toString());
  }
}
