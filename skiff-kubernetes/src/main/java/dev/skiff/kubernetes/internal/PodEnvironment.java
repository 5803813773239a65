package dev.skiff.kubernetes.internal;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StoreAccess;

/**
 * What a Skiff pod reads from its environment: how to reach the stores (from the run Secret), its
 * name.
 */
record PodEnvironment(StoreAccess stores, String namespace, String podName) {
  static PodEnvironment fromEnv() {
    StoreAccess stores;
    try {
      stores = StoreAccess.fromEnvironment(System.getenv());
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          e.getMessage() + " (this pod was not created by Skiff, or its run Secret is missing)", e);
    }
    return new PodEnvironment(
        stores, System.getenv("SKIFF_NAMESPACE"), System.getenv("SKIFF_POD_NAME"));
  }

  MetadataStore openStore(ClassLoader loader) {
    return stores.openMetadataStore(loader);
  }

  dev.skiff.core.spi.ArtifactStore openArtifacts(ClassLoader loader) {
    return stores.openArtifactStore(loader);
  }

  static RunPlan plan(MetadataStore store, String runId) {
    RunRecord run =
        store
            .findRun(runId)
            .orElseThrow(
                () -> new IllegalStateException("run " + runId + " is not in the metadata store"));
    return RunPlan.fromJson(run.planJson());
  }
}
