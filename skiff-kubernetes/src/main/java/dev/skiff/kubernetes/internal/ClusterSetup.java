package dev.skiff.kubernetes.internal;

import dev.skiff.core.stack.ConfigException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;

/** Checks before a run: the namespace exists, and the least-privilege service account is there. */
public final class ClusterSetup {
  private final KubernetesClient client;
  private final String namespace;
  private final String serviceAccountName;

  /**
   * @param serviceAccountName the run's service account (resolved settings), null for Skiff's own
   */
  public ClusterSetup(KubernetesClient client, String namespace, String serviceAccountName) {
    this.client = client;
    this.namespace = namespace;
    this.serviceAccountName = serviceAccountName;
  }

  /**
   * Fails when the namespace is missing. Users who may not read namespaces (403) pass: the creation
   * of the run's objects then reports a missing namespace.
   */
  public void checkNamespace() {
    String ns = namespace;
    try {
      if (client.namespaces().withName(ns).get() == null) {
        throw missingNamespace(ns);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw ClusterAccess.explain(
            e, "checking namespace '" + ns + "'", client.getMasterUrl().toString());
      }
    }
  }

  public static ConfigException missingNamespace(String ns) {
    return new ConfigException(
        "namespace '"
            + ns
            + "' does not exist: create it (kubectl create namespace "
            + ns
            + ") or set kubernetesNamespace");
  }

  /**
   * Creates (or updates) {@code skiff-service-account} with its Role and RoleBinding, unless the
   * user named a service account.
   */
  public void ensureServiceAccount(Manifests manifests) {
    if (serviceAccountName != null) {
      return;
    }
    String ns = namespace;
    try {
      client
          .serviceAccounts()
          .inNamespace(ns)
          .resource(manifests.serviceAccount())
          .createOr(NonDeletingOperation::update);
    } catch (KubernetesClientException e) {
      throw rbacError(e, "service account");
    }
    try {
      client
          .rbac()
          .roles()
          .inNamespace(ns)
          .resource(manifests.role())
          .createOr(NonDeletingOperation::update);
      client
          .rbac()
          .roleBindings()
          .inNamespace(ns)
          .resource(manifests.roleBinding())
          .createOr(NonDeletingOperation::update);
    } catch (KubernetesClientException e) {
      throw rbacError(e, "Role and RoleBinding");
    }
  }

  private ConfigException rbacError(KubernetesClientException e, String what) {
    String ns = namespace;
    if (e.getCode() == 403) {
      return new ConfigException(
          "not allowed to create the "
              + what
              + " for Skiff in namespace '"
              + ns
              + "' (403): ask an admin for a service account that may manage pods there and set serviceAccountName",
          e);
    }
    if (e.getCode() == 404) {
      return missingNamespace(ns);
    }
    return ClusterAccess.explain(
        e, "creating the " + what + " in namespace '" + ns + "'", client.getMasterUrl().toString());
  }
}
