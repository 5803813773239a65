package dev.skiff.artifacts;

import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.ArtifactStoreFlavor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The {@code local} artifact store: a folder on this machine. */
public final class LocalArtifactStoreFlavor
    implements ArtifactStoreFlavor<LocalArtifactStoreConfig> {
  @Override
  public String name() {
    return "local";
  }

  @Override
  public String description() {
    return "Artifacts in a folder on this machine (atomic writes, SHA-256 content hashes)";
  }

  @Override
  public Class<LocalArtifactStoreConfig> configType() {
    return LocalArtifactStoreConfig.class;
  }

  @Override
  public ArtifactStore open(LocalArtifactStoreConfig config) {
    try {
      return new LocalArtifactStore(Path.of(config.path()), config.mountedInPods());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open the artifact store at " + config.path() + ": " + e.getMessage(), e);
    }
  }
}
