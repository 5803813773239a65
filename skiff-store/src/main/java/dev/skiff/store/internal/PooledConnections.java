package dev.skiff.store.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * A connection from a pool per call or transaction, so threads of a process write a server database
 * at once. Statements live as long as the call: the PostgreSQL driver keeps the server-side
 * prepared statements of each connection itself (keyed by SQL text).
 */
final class PooledConnections extends Database {

  /**
   * Deadlocks and serialization failures roll back the whole transaction: running it again helps.
   */
  private static final int TRANSACTION_ATTEMPTS = 3;

  private final DataSource pool;
  private final AutoCloseable closer;
  private final Function<Throwable, String> reasons;
  private volatile boolean closed;

  PooledConnections(DataSource pool, AutoCloseable closer, Function<Throwable, String> reasons) {
    this.pool = pool;
    this.closer = closer;
    this.reasons = reasons;
  }

  @Override
  public <T> T call(Work<T> work) throws SQLException {
    ensureOpen();
    try (Connection connection = pool.getConnection();
        StatementCache session = new StatementCache(connection)) {
      return work.run(session);
    }
  }

  @Override
  public <T> T transaction(Work<T> work) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      ensureOpen();
      // The pool gives every connection back in auto-commit mode, rolling back what is left open.
      try (Connection connection = pool.getConnection();
          StatementCache session = new StatementCache(connection)) {
        connection.setAutoCommit(false);
        try {
          T result = work.run(session);
          connection.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          rollback(connection, e);
          if (attempt < TRANSACTION_ATTEMPTS && isTransient(e)) {
            continue;
          }
          throw e;
        }
      }
    }
  }

  @Override
  public String reason(Throwable failure) {
    return reasons.apply(failure);
  }

  @Override
  public void close() throws SQLException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      closer.close();
    } catch (SQLException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new SQLException("cannot close the connection pool: " + e.getMessage(), e);
    }
  }

  private void ensureOpen() throws SQLException {
    if (closed) {
      throw new SQLException("the store is closed");
    }
  }

  /** serialization_failure, deadlock_detected. */
  private static boolean isTransient(Exception e) {
    return e instanceof SQLException s
        && ("40001".equals(s.getSQLState()) || "40P01".equals(s.getSQLState()));
  }

  private static void rollback(Connection connection, Exception failure) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }
}
