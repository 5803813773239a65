package dev.skiff.store.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/** The connection one {@link Database#call} or {@link Database#transaction} holds. */
public interface Session {

  /**
   * A prepared statement for {@code sql} on this session's connection. Callers set every parameter
   * and must not close it: the session does (or keeps it for the next call).
   */
  PreparedStatement prepare(String sql) throws SQLException;
}
