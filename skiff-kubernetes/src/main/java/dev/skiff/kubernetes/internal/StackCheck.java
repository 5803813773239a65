package dev.skiff.kubernetes.internal;

import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import java.util.List;

/**
 * Whether pods can reach the stack's stores, and how: the client's stores, with the metadata URL
 * the pods use when the configuration names one. The CLI asks for the problems before it builds,
 * pushes or contacts the cluster ({@code Orchestrator.storeProblems}); the run Secret carries the
 * addresses.
 */
final class StackCheck {
  private final KubernetesOrchestratorConfig config;
  private final OrchestratorContext context;

  StackCheck(KubernetesOrchestratorConfig config, OrchestratorContext context) {
    this.config = config;
    this.context = context;
  }

  /** One line per store pods cannot reach (a folder or SQLite file of this machine); none if ok. */
  List<String> problems() {
    return storesForPods().problemsForRemoteExecutors(context.artifacts(), context.stack(), "pods");
  }

  /** How pods reach the stores. */
  StoreAccess storesForPods() {
    StoreAccess stores = context.stores();
    return config.metadataUrl() != null
        ? new StoreAccess(config.metadataUrl(), stores.metadataPassword(), stores.artifactStore())
        : stores;
  }
}
