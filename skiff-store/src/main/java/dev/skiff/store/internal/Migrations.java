package dev.skiff.store.internal;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/** Brings a database to the newest schema with the Flyway scripts in {@code db/migration/skiff}. */
public final class Migrations {

  private static final String LOCATION = "classpath:db/migration/skiff";
  // Own history table, so Skiff can share a PostgreSQL schema with an application's Flyway.
  private static final String HISTORY_TABLE = "skiff_schema_history";

  private Migrations() {}

  /** Applies pending migrations; a no-op on an up-to-date database. */
  public static void migrate(DataSource dataSource) {
    configure().dataSource(dataSource).load().migrate();
  }

  /** Like {@link #migrate(DataSource)}, connecting with a JDBC URL. */
  public static void migrate(String url, String user, String password) {
    configure().dataSource(url, user, password).load().migrate();
  }

  private static FluentConfiguration configure() {
    return Flyway.configure(Migrations.class.getClassLoader())
        .locations(LOCATION)
        .table(HISTORY_TABLE)
        .failOnMissingLocations(true);
  }
}
