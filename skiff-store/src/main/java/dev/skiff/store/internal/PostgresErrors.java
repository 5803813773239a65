package dev.skiff.store.internal;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;

/**
 * One-line reasons, each naming the fix, for the ways reaching PostgreSQL fails: the server cannot
 * be reached (or ended the connection), it refuses the login, the database does not exist.
 * Classified by SQLState (the pool's own "timed out" error carries the state of the last failed
 * attempt). Never quotes a password: the driver's and server's texts used here contain none.
 */
final class PostgresErrors {
  private static final String PASSWORD_FIX = "set SKIFF_METADATA_PASSWORD or ~/.pgpass";

  private PostgresErrors() {}

  /** The reason for {@code failure}, or null when it is not one of these. */
  static String reason(Throwable failure, PostgresUrl url) {
    SQLException sql = findSqlState(failure);
    if (sql == null) {
      return null;
    }
    String state = sql.getSQLState();
    if (state.equals("28P01") || state.equals("28000") || isMissingPassword(sql)) {
      return "PostgreSQL at "
          + url.address()
          + " refused the login of user '"
          + url.user()
          + "' ("
          + serverText(sql)
          + "): "
          + PASSWORD_FIX;
    }
    if (state.equals("3D000")) {
      return "database '"
          + url.database()
          + "' does not exist on "
          + url.address()
          + ": create it (CREATE DATABASE "
          + url.database()
          + " OWNER "
          + url.user()
          + ") or check --metadata-url";
    }
    // 08: connection exceptions; 57P0x: the server shut down, crashed or is still starting
    if (state.startsWith("08") || state.startsWith("57P0")) {
      return "cannot reach PostgreSQL at "
          + url.address()
          + " ("
          + networkText(sql)
          + "): is PostgreSQL running and reachable? check --metadata-url";
    }
    return null;
  }

  private static SQLException findSqlState(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        return s;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /**
   * The driver's "server requested password-based authentication, but no password was provided".
   */
  private static boolean isMissingPassword(SQLException e) {
    String message = String.valueOf(e.getMessage());
    return e.getSQLState().equals("08004") && message.contains("password");
  }

  /** "password authentication failed for user ..." without the "FATAL: " prefix. */
  private static String serverText(SQLException e) {
    String text = firstLine(e.getMessage());
    return text.startsWith("FATAL: ") ? text.substring("FATAL: ".length()) : text;
  }

  private static String networkText(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnknownHostException u) {
        return "unknown host " + u.getMessage();
      }
      if (t instanceof ConnectException
          || t instanceof NoRouteToHostException
          || t instanceof SocketTimeoutException) {
        return firstLine(t.getMessage());
      }
    }
    return serverText(e);
  }

  private static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "no details";
    }
    return message.strip().lines().findFirst().orElse(message).strip();
  }
}
