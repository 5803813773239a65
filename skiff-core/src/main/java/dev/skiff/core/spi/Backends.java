package dev.skiff.core.spi;

import java.util.ServiceLoader;

/**
 * Opens stores by address, so a step process or pod given only a metadata URL and an artifact URI
 * reaches the same stores as the client. Backends register {@link MetadataStoreProvider} and {@link
 * ArtifactStoreProvider} services.
 */
public final class Backends {
  private Backends() {}

  /** A metadata store backend, e.g. SQLite for {@code jdbc:sqlite:} URLs. */
  public interface MetadataStoreProvider {
    boolean supports(String url);

    MetadataStore open(String url);

    /**
     * Opens the store with a password given apart from the URL (null: from the URL, the {@code
     * SKIFF_METADATA_PASSWORD} variable, or the database's own files such as {@code ~/.pgpass}).
     */
    default MetadataStore open(String url, String password) {
      return open(url);
    }
  }

  /** An artifact store backend, e.g. the local folder store for {@code file:} URIs. */
  public interface ArtifactStoreProvider {
    boolean supports(String uri);

    ArtifactStore open(String uri);
  }

  public static MetadataStore openMetadataStore(String url, ClassLoader loader) {
    return openMetadataStore(url, null, loader);
  }

  /** Opens the metadata store at {@code url}; {@code password} may be null. */
  public static MetadataStore openMetadataStore(String url, String password, ClassLoader loader) {
    for (MetadataStoreProvider p : ServiceLoader.load(MetadataStoreProvider.class, loader)) {
      if (p.supports(url)) {
        return p.open(url, password);
      }
    }
    throw new IllegalArgumentException(
        "no metadata store backend for '"
            + redact(url)
            + "': add the module that provides it (e.g. skiff-store)");
  }

  public static ArtifactStore openArtifactStore(String uri, ClassLoader loader) {
    for (ArtifactStoreProvider p : ServiceLoader.load(ArtifactStoreProvider.class, loader)) {
      if (p.supports(uri)) {
        return p.open(uri);
      }
    }
    throw new IllegalArgumentException(
        "no artifact store backend for '"
            + uri
            + "': add the module that provides it (e.g. skiff-artifacts)");
  }

  /**
   * Whether only processes on this machine can reach the metadata store at {@code url} (an SQLite
   * file).
   */
  public static boolean metadataOnlyOnThisMachine(String url) {
    return url.startsWith("jdbc:sqlite:");
  }

  /** URLs may hold passwords: show scheme, host and path only. */
  public static String redact(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q) + "?…";
  }
}
