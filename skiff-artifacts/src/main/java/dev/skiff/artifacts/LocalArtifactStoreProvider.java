package dev.skiff.artifacts;

import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.Backends;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;

/** Opens {@code file:} URIs as {@link LocalArtifactStore}s. */
public final class LocalArtifactStoreProvider implements Backends.ArtifactStoreProvider {
  @Override
  public boolean supports(String uri) {
    return uri != null && uri.startsWith("file:");
  }

  @Override
  public ArtifactStore open(String uri) {
    try {
      return new LocalArtifactStore(Path.of(URI.create(uri)));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open the artifact store " + uri + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "bad artifact store URI '" + uri + "': use file:///absolute/path", e);
    }
  }
}
