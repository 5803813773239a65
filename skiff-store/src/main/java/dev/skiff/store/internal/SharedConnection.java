package dev.skiff.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One JDBC connection shared by all threads of a store, used by one thread at a time.
 *
 * <p>One connection (rather than a pool) because SQLite serializes writers anyway, and a single
 * connection lets prepared statements be reused: parsing SQL costs more than a small write.
 */
final class SharedConnection extends Database implements Session {

  private final Connection connection;
  private final ReentrantLock lock = new ReentrantLock();
  private final StatementCache statements;
  private boolean closed;

  SharedConnection(Connection connection) {
    this.connection = connection;
    this.statements = new StatementCache(connection);
  }

  @Override
  public <T> T call(Work<T> work) throws SQLException {
    lock.lock();
    try {
      ensureOpen();
      return work.run(this);
    } catch (SQLException | RuntimeException e) {
      forgetStatements(e);
      throw e;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public <T> T transaction(Work<T> work) throws SQLException {
    lock.lock();
    try {
      ensureOpen();
      connection.setAutoCommit(false);
      try {
        T result = work.run(this);
        // Commits (JDBC: turning auto-commit on commits the open transaction). Not commit():
        // sqlite-jdbc begins the next transaction right after it, taking the write lock again.
        connection.setAutoCommit(true);
        return result;
      } catch (SQLException | RuntimeException e) {
        rollback(e);
        forgetStatements(e);
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Reused across calls; only valid inside {@link #call} or {@link #transaction}. */
  @Override
  public PreparedStatement prepare(String sql) throws SQLException {
    if (!lock.isHeldByCurrentThread()) {
      throw new IllegalStateException("prepare() outside call() or transaction()");
    }
    return statements.prepare(sql);
  }

  @Override
  public void close() throws SQLException {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        statements.close();
      } finally {
        connection.close();
      }
    } finally {
      lock.unlock();
    }
  }

  private void ensureOpen() throws SQLException {
    if (closed) {
      throw new SQLException("the store is closed");
    }
  }

  private void forgetStatements(Exception failure) {
    statements.forget(failure);
  }

  private void rollback(Exception failure) {
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }
}
