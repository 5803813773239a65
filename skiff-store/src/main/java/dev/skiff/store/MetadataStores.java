package dev.skiff.store;

import dev.skiff.store.internal.Database;
import dev.skiff.store.internal.Migrations;
import dev.skiff.store.internal.Sqlite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import org.flywaydb.core.api.FlywayException;

/** Opens metadata stores. Each store brings its database to the newest schema when opened. */
public final class MetadataStores {

  private MetadataStores() {}

  /**
   * The embedded default: an SQLite file, created with its parent directories if missing. Many
   * processes may open the same file and write at once.
   *
   * @throws MetadataStoreException if the file cannot be created, opened or migrated
   */
  public static JdbcMetadataStore sqlite(Path dbFile) {
    Objects.requireNonNull(dbFile, "dbFile");
    Path file = dbFile.toAbsolutePath();
    try {
      Files.createDirectories(file.getParent());
      return new JdbcMetadataStore(new Database(Sqlite.open(file)), file.toString());
    } catch (IOException | SQLException | FlywayException e) {
      throw Failures.wrap("cannot open metadata store at " + file, e);
    }
  }

  /**
   * Any database with a JDBC driver on the class path and Flyway support (PostgreSQL needs {@code
   * org.flywaydb:flyway-database-postgresql}). {@code user} and {@code password} may be null when
   * the URL carries them.
   *
   * @throws MetadataStoreException if the database cannot be reached or migrated
   */
  public static JdbcMetadataStore jdbc(String url, String user, String password) {
    Objects.requireNonNull(url, "url");
    String where = redact(url);
    try {
      Connection connection = DriverManager.getConnection(url, user, password);
      try {
        Migrations.migrate(connection, url, user, password);
      } catch (RuntimeException e) {
        connection.close();
        throw e;
      }
      return new JdbcMetadataStore(new Database(connection), where);
    } catch (SQLException | FlywayException e) {
      // Drivers repeat the URL in their messages ("No suitable driver found for ...").
      String reason = Failures.reason(e).replace(url, where);
      if (reason.startsWith("No suitable driver")) {
        reason += " (put the database's JDBC driver on the class path)";
      }
      throw new MetadataStoreException("cannot open metadata store at " + where + ": " + reason, e);
    }
  }

  /** The URL without its query, which may hold a password. */
  private static String redact(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query);
  }
}
