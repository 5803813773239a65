package dev.skiff.artifacts;

import java.nio.file.Path;

/**
 * Configuration of the {@code local} artifact store flavor.
 *
 * @param path absolute folder holding the artifacts and step logs (required; created if missing)
 */
public record LocalArtifactStoreConfig(String path) {
  public LocalArtifactStoreConfig {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("path is required: an absolute folder such as --path=/data/skiff-artifacts");
    }
    if (!Path.of(path).isAbsolute()) {
      throw new IllegalArgumentException("path must be an absolute folder, got '" + path + "'");
    }
  }
}
