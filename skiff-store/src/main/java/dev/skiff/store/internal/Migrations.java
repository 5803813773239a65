package dev.skiff.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/** Brings a database to the newest schema with the Flyway scripts in {@code db/migration/skiff}. */
public final class Migrations {

  /**
   * The version of the newest script in {@link #LOCATION}; raise it with each new script (a test
   * checks that they agree).
   */
  public static final String LATEST_VERSION = "4";

  static final String LOCATION = "classpath:db/migration/skiff";
  // Own history table, so Skiff can share a PostgreSQL schema with an application's Flyway.
  public static final String HISTORY_TABLE = "skiff_schema_history";

  private static final MigrationVersion LATEST = MigrationVersion.fromVersion(LATEST_VERSION);

  private Migrations() {}

  /**
   * Applies pending migrations, unless {@code connection} shows the schema is already at {@link
   * #LATEST_VERSION}: starting Flyway in a fresh JVM takes most of a second, and every step process
   * opens the store.
   *
   * @throws SchemaTooNewException if a newer Skiff migrated the database
   */
  public static void migrate(Connection connection, DataSource dataSource) throws SQLException {
    if (!isCurrent(connection)) {
      configure().dataSource(dataSource).load().migrate();
    }
  }

  /** Like {@link #migrate(Connection, DataSource)}, Flyway connecting with a JDBC URL. */
  public static void migrate(Connection connection, String url, String user, String password)
      throws SQLException {
    if (!isCurrent(connection)) {
      configure().dataSource(url, user, password).load().migrate();
    }
  }

  /** Flyway set up for Skiff's scripts, for tests that inspect them. */
  public static FluentConfiguration configure() {
    return Flyway.configure(Migrations.class.getClassLoader())
        .locations(LOCATION)
        .table(HISTORY_TABLE)
        .failOnMissingLocations(true);
  }

  /**
   * Whether every script up to {@link #LATEST_VERSION} has been applied: one small query.
   *
   * @throws SchemaTooNewException if the history names a version above {@link #LATEST_VERSION}:
   *     Flyway itself would ignore such "future" migrations and let this Skiff write a schema it
   *     does not know
   */
  public static boolean isCurrent(Connection connection) throws SQLException {
    MigrationVersion newest = null;
    boolean latestApplied = false;
    String sql = "SELECT version, success FROM " + HISTORY_TABLE + " WHERE version IS NOT NULL";
    try (PreparedStatement query = connection.prepareStatement(sql);
        ResultSet row = query.executeQuery()) {
      while (row.next()) {
        MigrationVersion version = MigrationVersion.fromVersion(row.getString(1));
        boolean success = row.getBoolean(2);
        if (newest == null || version.compareTo(newest) > 0) {
          newest = version;
        }
        latestApplied |= success && version.equals(LATEST);
      }
    } catch (SQLException e) {
      return false; // no history table yet: a new database; Flyway will say what else is wrong
    }
    if (newest != null && newest.compareTo(LATEST) > 0) {
      throw new SchemaTooNewException(newest.getVersion(), LATEST_VERSION);
    }
    return latestApplied;
  }
}
