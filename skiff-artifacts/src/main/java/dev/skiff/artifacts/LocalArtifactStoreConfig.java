package dev.skiff.artifacts;

import java.nio.file.Path;

/**
 * Configuration of the {@code local} artifact store flavor.
 *
 * @param path absolute folder holding the artifacts and step logs (required; created if missing)
 * @param mountedInPods whether every pod mounts this folder at the same path (e.g. an NFS
 *     PersistentVolumeClaim declared in the orchestrator's pod settings), so a Kubernetes stack may
 *     use this store; default false, and then Kubernetes stacks refuse it
 */
public record LocalArtifactStoreConfig(String path, Boolean mountedInPods) {
  public LocalArtifactStoreConfig {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException(
          "path is required: an absolute folder such as --path=/data/skiff-artifacts");
    }
    if (!Path.of(path).isAbsolute()) {
      throw new IllegalArgumentException("path must be an absolute folder, got '" + path + "'");
    }
    if (mountedInPods == null) {
      mountedInPods = false;
    }
  }

  public LocalArtifactStoreConfig(String path) {
    this(path, false);
  }
}
