package dev.skiff.store;

import dev.skiff.core.spi.Backends;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.store.internal.PostgresUrl;
import java.nio.file.Path;
import java.util.Map;

/**
 * Opens {@code jdbc:sqlite:FILE} URLs as SQLite stores, {@code jdbc:postgresql:} URLs as PostgreSQL
 * stores (both migrated on open) and other {@code jdbc:} URLs as generic JDBC stores. Registered as
 * a {@link Backends.MetadataStoreProvider}.
 *
 * <p>A PostgreSQL password comes from, in order: the {@code password} argument, the {@code
 * SKIFF_METADATA_PASSWORD} environment variable, the URL's {@code password=} parameter, {@code
 * ~/.pgpass} (or the file {@code PGPASSFILE} names).
 */
public final class JdbcStoreProvider implements Backends.MetadataStoreProvider {
  private static final String SQLITE = "jdbc:sqlite:";

  private final Map<String, String> env;

  public JdbcStoreProvider() {
    this(System.getenv());
  }

  JdbcStoreProvider(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public boolean supports(String url) {
    return url != null && url.startsWith("jdbc:");
  }

  @Override
  public MetadataStore open(String url) {
    return open(url, null);
  }

  @Override
  public MetadataStore open(String url, String password) {
    if (url.startsWith(SQLITE)) {
      return MetadataStores.sqlite(Path.of(url.substring(SQLITE.length())));
    }
    String effective = isSet(password) ? password : env.get(StoreAccess.METADATA_PASSWORD_ENV);
    if (url.startsWith(PostgresUrl.PREFIX)) {
      return MetadataStores.postgres(url, isSet(effective) ? effective : null);
    }
    return MetadataStores.jdbc(url, null, isSet(effective) ? effective : null);
  }

  private static boolean isSet(String value) {
    return value != null && !value.isEmpty();
  }
}
