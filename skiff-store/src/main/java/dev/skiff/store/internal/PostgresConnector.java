package dev.skiff.store.internal;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.Driver;

/**
 * Opens connections with the PostgreSQL driver directly: the URL without its password, the password
 * (if any) as a property. Without one the driver reads {@code ~/.pgpass} (or {@code PGPASSFILE})
 * itself. Can hand out one already open connection first, so the pool adopts the connection that
 * checked the schema instead of opening another.
 */
final class PostgresConnector implements DataSource, AutoCloseable {
  private static final Driver DRIVER = new Driver();

  private final String url;
  private final Properties properties;
  private final AtomicReference<Connection> spare;
  private volatile int loginTimeoutSeconds;

  private PostgresConnector(String url, Properties properties, Connection spare) {
    this.url = url;
    this.properties = properties;
    this.spare = new AtomicReference<>(spare);
  }

  /** {@code password} null: the driver looks in {@code ~/.pgpass}. */
  static PostgresConnector of(PostgresUrl url, String password) {
    Properties properties = new Properties();
    // Shown in pg_stat_activity; a URL's own ApplicationName= wins (URL parameters come first).
    properties.setProperty("ApplicationName", "skiff");
    if (password != null) {
      properties.setProperty("password", password);
    }
    return new PostgresConnector(url.connectUrl(), properties, null);
  }

  /** The same connector, handing out {@code connection} before opening new ones. */
  PostgresConnector withSpare(Connection connection) {
    return new PostgresConnector(url, properties, connection);
  }

  @Override
  public Connection getConnection() throws SQLException {
    Connection connection = spare.getAndSet(null);
    if (connection != null) {
      // The server may have dropped it if the store sat unused since it was opened.
      if (connection.isValid(2)) {
        return connection;
      }
      connection.close();
    }
    Properties login = properties;
    if (loginTimeoutSeconds > 0) {
      login = new Properties();
      login.putAll(properties);
      login.setProperty("loginTimeout", Integer.toString(loginTimeoutSeconds));
    }
    return DRIVER.connect(url, login);
  }

  /** Closes the spare connection if nobody took it. */
  @Override
  public void close() throws SQLException {
    Connection connection = spare.getAndSet(null);
    if (connection != null) {
      connection.close();
    }
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the login comes from the metadata URL");
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {
    // the driver logs through java.util.logging
  }

  /** The pool sets its connection timeout here; a URL's own {@code loginTimeout=} wins. */
  @Override
  public void setLoginTimeout(int seconds) {
    loginTimeoutSeconds = seconds;
  }

  /** Also how long the pool waits for connections being opened when it closes. */
  @Override
  public int getLoginTimeout() {
    return loginTimeoutSeconds;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    throw new SQLException("not a " + type.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return type.isInstance(this);
  }

  @Override
  public String toString() {
    return "PostgresConnector[" + PostgresUrl.redact(url) + "]";
  }
}
