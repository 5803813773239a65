package dev.skiff.kubernetes.internal;

import dev.skiff.core.ArtifactStore;
import dev.skiff.core.Backends;
import dev.skiff.core.MetadataStore;
import dev.skiff.core.RunPlan;
import dev.skiff.core.RunRecord;

/** What a Skiff pod reads from its environment: store addresses (from the run Secret), its name. */
record PodEnvironment(String metadataUrl, String artifactsUri, String namespace, String podName) {
  static PodEnvironment fromEnv() {
    return new PodEnvironment(
        required("SKIFF_METADATA_URL"), required("SKIFF_ARTIFACTS_URI"), System.getenv("SKIFF_NAMESPACE"), System.getenv("SKIFF_POD_NAME"));
  }

  private static String required(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(name + " is not set: this pod was not created by Skiff, or its run Secret is missing");
    }
    return v;
  }

  MetadataStore openStore(ClassLoader loader) {
    return Backends.openMetadataStore(metadataUrl, loader);
  }

  ArtifactStore openArtifacts(ClassLoader loader) {
    return Backends.openArtifactStore(artifactsUri, loader);
  }

  static RunPlan plan(MetadataStore store, String runId) {
    RunRecord run = store.findRun(runId).orElseThrow(() -> new IllegalStateException("run " + runId + " is not in the metadata store"));
    return RunPlan.fromJson(run.planJson());
  }
}
