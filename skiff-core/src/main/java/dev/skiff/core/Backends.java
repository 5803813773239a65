package dev.skiff.core;

import java.util.ServiceLoader;

/**
 * Opens stores by address, so a step process or pod given only a metadata URL and an artifact
 * URI reaches the same stores as the client. Backends register {@link MetadataStoreProvider} and
 * {@link ArtifactStoreProvider} services.
 */
public final class Backends {
  private Backends() {}

  /** A metadata store backend, e.g. SQLite for {@code jdbc:sqlite:} URLs. */
  public interface MetadataStoreProvider {
    boolean supports(String url);

    MetadataStore open(String url);
  }

  /** An artifact store backend, e.g. the local folder store for {@code file:} URIs. */
  public interface ArtifactStoreProvider {
    boolean supports(String uri);

    ArtifactStore open(String uri);
  }

  public static MetadataStore openMetadataStore(String url, ClassLoader loader) {
    for (MetadataStoreProvider p : ServiceLoader.load(MetadataStoreProvider.class, loader)) {
      if (p.supports(url)) {
        return p.open(url);
      }
    }
    throw new IllegalArgumentException(
        "no metadata store backend for '" + redact(url) + "': add the module that provides it (e.g. skiff-store)");
  }

  public static ArtifactStore openArtifactStore(String uri, ClassLoader loader) {
    for (ArtifactStoreProvider p : ServiceLoader.load(ArtifactStoreProvider.class, loader)) {
      if (p.supports(uri)) {
        return p.open(uri);
      }
    }
    throw new IllegalArgumentException(
        "no artifact store backend for '" + uri + "': add the module that provides it (e.g. skiff-artifacts)");
  }

  /** URLs may hold passwords: show scheme and host only. */
  private static String redact(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q) + "?…";
  }
}
