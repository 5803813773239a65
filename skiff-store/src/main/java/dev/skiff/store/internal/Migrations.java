package dev.skiff.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/** Brings a database to the newest schema with the Flyway scripts in {@code db/migration/skiff}. */
public final class Migrations {

  /**
   * The version of the newest script in {@link #LOCATION}; raise it with each new script (a test
   * checks that they agree).
   */
  public static final String LATEST_VERSION = "3";

  static final String LOCATION = "classpath:db/migration/skiff";
  // Own history table, so Skiff can share a PostgreSQL schema with an application's Flyway.
  static final String HISTORY_TABLE = "skiff_schema_history";

  private Migrations() {}

  /**
   * Applies pending migrations, unless {@code connection} shows the schema is already at {@link
   * #LATEST_VERSION}: starting Flyway in a fresh JVM takes most of a second, and every step process
   * opens the store.
   */
  public static void migrate(Connection connection, DataSource dataSource) {
    if (!isCurrent(connection)) {
      configure().dataSource(dataSource).load().migrate();
    }
  }

  /** Like {@link #migrate(Connection, DataSource)}, Flyway connecting with a JDBC URL. */
  public static void migrate(Connection connection, String url, String user, String password) {
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

  private static boolean isCurrent(Connection connection) {
    String sql = "SELECT success FROM " + HISTORY_TABLE + " WHERE version = ?";
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      query.setString(1, LATEST_VERSION);
      try (ResultSet row = query.executeQuery()) {
        return row.next() && row.getBoolean(1);
      }
    } catch (SQLException e) {
      return false; // no history table yet: a new database; Flyway will say what else is wrong
    }
  }
}
