package dev.skiff.store.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Opens PostgreSQL stores: checks the server with one connection (so an unreachable server or a
 * refused login fails at once, not after the pool's timeout), migrates if needed, then hands that
 * connection to a small lazy pool. A step process opens a store for a few writes, so start-up opens
 * one connection and the pool grows only when threads write at once.
 */
public final class Postgres {
  /** At most this many connections per store (per process). */
  public static final int MAX_CONNECTIONS = 8;

  /** Connections unused this long are closed (the pool keeps none idle). */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  /** How long a call waits for a connection before failing. */
  public static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(10);

  private Postgres() {}

  /**
   * Opens the database at {@code url}; {@code password} null: the URL's {@code password=}, else
   * {@code ~/.pgpass}.
   *
   * @throws SQLException if it cannot be reached or migrated; {@link #reason} explains it
   */
  public static Database open(PostgresUrl url, String password) throws SQLException {
    PostgresConnector connector =
        PostgresConnector.of(url, password != null ? password : url.password());
    Connection first = connector.getConnection();
    PostgresConnector adopting = connector.withSpare(first);
    HikariDataSource pool;
    try {
      // Flyway serializes concurrent first opens itself (PostgreSQL advisory locks), which
      // PostgresMetadataStoreTest checks with several processes opening a new database at once.
      Migrations.migrate(first, connector);
      pool = new HikariDataSource(poolConfig(adopting));
    } catch (SQLException | RuntimeException e) {
      closeQuietly(first, e);
      throw e;
    }
    AutoCloseable closer =
        () -> {
          try (adopting) { // a store closed before any call never handed its first connection over
            pool.close();
          }
        };
    return Database.pooled(pool, closer, failure -> reason(failure, url));
  }

  /** A one-line reason naming the fix for failures reaching PostgreSQL, or null. */
  public static String reason(Throwable failure, PostgresUrl url) {
    return PostgresErrors.reason(failure, url);
  }

  private static HikariConfig poolConfig(PostgresConnector connector) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("skiff-metadata");
    config.setDataSource(connector);
    config.setMaximumPoolSize(MAX_CONNECTIONS);
    config.setMinimumIdle(0);
    config.setIdleTimeout(IDLE_TIMEOUT.toMillis());
    config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
    // No connection test at start: open() has just made one, which the pool adopts.
    config.setInitializationFailTimeout(-1);
    config.setAutoCommit(true);
    return config;
  }

  private static void closeQuietly(Connection connection, Exception failure) {
    try {
      connection.close();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }
}
