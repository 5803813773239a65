package dev.skiff.store.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * How a store reaches its database: SQLite shares one connection ({@link #shared}), PostgreSQL
 * borrows one from a pool per call ({@link #pooled}). Either way each {@link #call} or {@link
 * #transaction} has a {@link Session} to itself.
 */
public abstract class Database implements AutoCloseable {

  /** Work done with a connection held; may throw {@link SQLException}. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Session session) throws SQLException;
  }

  Database() {}

  /** One connection for all threads, one call at a time, with its statements kept (SQLite). */
  public static Database shared(Connection connection) {
    return new SharedConnection(connection);
  }

  /**
   * A connection from {@code pool} per call (PostgreSQL). {@code reasons} turns driver failures
   * into one-line reasons that name the fix (null: nothing better than the driver's message).
   * Closing the database runs {@code closer}, which closes the pool.
   */
  public static Database pooled(
      DataSource pool, AutoCloseable closer, Function<Throwable, String> reasons) {
    return new PooledConnections(pool, closer, reasons);
  }

  /** Runs {@code work} in auto-commit mode: each statement commits. */
  public abstract <T> T call(Work<T> work) throws SQLException;

  /** Runs {@code work} in one transaction, rolled back on failure. */
  public abstract <T> T transaction(Work<T> work) throws SQLException;

  /**
   * Why {@code failure} happened, as one line that names the fix, when this database knows better
   * than the driver's message (e.g. "cannot reach PostgreSQL at HOST:PORT ..."); else null.
   */
  public String reason(Throwable failure) {
    return null;
  }

  /** Closes the connections; later calls fail. Closing twice does nothing. */
  @Override
  public abstract void close() throws SQLException;
}
