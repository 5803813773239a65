package dev.skiff.store;

import dev.skiff.store.internal.Database;
import dev.skiff.store.internal.Migrations;
import dev.skiff.store.internal.Postgres;
import dev.skiff.store.internal.PostgresUrl;
import dev.skiff.store.internal.Sqlite;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
   * @throws MetadataStoreException if the file cannot be created, opened or migrated, or a newer
   *     Skiff migrated it
   */
  public static JdbcMetadataStore sqlite(Path dbFile) {
    Objects.requireNonNull(dbFile, "dbFile");
    Path file = dbFile.toAbsolutePath();
    try {
      Files.createDirectories(file.getParent());
      return new JdbcMetadataStore(Database.shared(Sqlite.open(file)), file.toString());
    } catch (IOException | SQLException | FlywayException e) {
      throw Failures.wrap("cannot open metadata store at " + file, e);
    }
  }

  /**
   * A PostgreSQL database, e.g. {@code jdbc:postgresql://db.example.com:5432/skiff?user=skiff},
   * shared by many processes and pods; migrated on open. The password is {@code password} if not
   * null, else the URL's {@code password=} parameter, else the driver reads {@code ~/.pgpass} (or
   * the file named by {@code PGPASSFILE}). It never appears in messages: they show the URL without
   * its query.
   *
   * <p>Each store has a pool of at most {@value Postgres#MAX_CONNECTIONS} connections, opened when
   * threads need them and closed after a minute unused; opening makes one.
   *
   * @throws MetadataStoreException if the server cannot be reached, refuses the login, has no such
   *     database, or holds a schema of a newer Skiff; the message names the fix
   * @throws IllegalArgumentException if {@code url} is not a {@code jdbc:postgresql:} URL
   */
  public static JdbcMetadataStore postgres(String url, String password) {
    Objects.requireNonNull(url, "url");
    PostgresUrl address = PostgresUrl.parse(url);
    try {
      return new JdbcMetadataStore(Postgres.open(address, password), address.location());
    } catch (SQLException | RuntimeException e) {
      // Flyway's and the pool's exceptions are runtime ones
      String reason = Postgres.reason(e, address);
      throw new MetadataStoreException(
          "cannot open metadata store at "
              + address.location()
              + ": "
              + (reason != null ? reason : Failures.reason(e).replace(url, address.location())),
          e);
    }
  }

  /**
   * Any database with a JDBC driver on the class path and Flyway support. {@code user} and {@code
   * password} may be null when the URL carries them. PostgreSQL URLs open {@link #postgres} stores.
   *
   * @throws MetadataStoreException if the database cannot be reached or migrated
   */
  public static JdbcMetadataStore jdbc(String url, String user, String password) {
    Objects.requireNonNull(url, "url");
    if (url.startsWith(PostgresUrl.PREFIX)) {
      String withUser =
          user == null || url.matches(".*[?&]user=.*")
              ? url
              : url
                  + (url.contains("?") ? "&" : "?")
                  + "user="
                  + URLEncoder.encode(user, StandardCharsets.UTF_8);
      return postgres(withUser, password);
    }
    String where = PostgresUrl.redact(url);
    try {
      Connection connection = DriverManager.getConnection(url, user, password);
      try {
        Migrations.migrate(connection, url, user, password);
      } catch (SQLException | RuntimeException e) {
        connection.close();
        throw e;
      }
      return new JdbcMetadataStore(Database.shared(connection), where);
    } catch (SQLException | FlywayException e) {
      // Drivers repeat the URL in their messages ("No suitable driver found for ...").
      String reason = Failures.reason(e).replace(url, where);
      if (reason.startsWith("No suitable driver")) {
        reason += " (put the database's JDBC driver on the class path)";
      }
      String message = "cannot open metadata store at " + where + ": " + reason;
      // A cause quoting the URL would show its password in --debug traces: leave it out.
      throw Failures.mentions(e, url)
          ? new MetadataStoreException(message)
          : new MetadataStoreException(message, e);
    }
  }
}
