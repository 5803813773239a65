package dev.skiff.store;

import dev.skiff.core.Backends;
import dev.skiff.core.MetadataStore;
import java.nio.file.Path;

/**
 * Opens {@code jdbc:sqlite:FILE} URLs as SQLite stores (migrated on open) and other {@code
 * jdbc:} URLs as generic JDBC stores. Registered as a {@link Backends.MetadataStoreProvider}.
 */
public final class JdbcStoreProvider implements Backends.MetadataStoreProvider {
  private static final String SQLITE = "jdbc:sqlite:";

  @Override
  public boolean supports(String url) {
    return url != null && url.startsWith("jdbc:");
  }

  @Override
  public MetadataStore open(String url) {
    if (url.startsWith(SQLITE)) {
      return MetadataStores.sqlite(Path.of(url.substring(SQLITE.length())));
    }
    return MetadataStores.jdbc(url, null, null);
  }
}
