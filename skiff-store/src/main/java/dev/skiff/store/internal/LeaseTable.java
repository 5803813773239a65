package dev.skiff.store.internal;

import static dev.skiff.store.internal.Columns.getInstant;

import dev.skiff.core.spi.RunLease;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** SQL for {@code run_leases} and the attempt tokens of {@code steps}. */
public final class LeaseTable {
  // Inserts, renews the owner's own lease, or takes over an expired one; a live lease of another
  // owner matches no row, so the statement changes nothing and reports 0.
  private static final String ACQUIRE =
      "INSERT INTO run_leases (run_id, owner, renewed_at, expires_at) VALUES (?, ?, ?, ?)"
          + " ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner,"
          + " renewed_at = excluded.renewed_at, expires_at = excluded.expires_at"
          + " WHERE run_leases.owner = excluded.owner OR run_leases.expires_at < excluded.renewed_at";
  private static final String RELEASE = "DELETE FROM run_leases WHERE run_id = ? AND owner = ?";
  private static final String FIND =
      "SELECT owner, renewed_at, expires_at FROM run_leases WHERE run_id = ?";
  private static final String SET_TOKEN =
      "UPDATE steps SET attempt_token = ? WHERE run_id = ? AND name = ?";
  private static final String GET_TOKEN =
      "SELECT attempt_token FROM steps WHERE run_id = ? AND name = ?";
  // A write, so it locks the row (PostgreSQL) or the database (SQLite) until the links are in:
  // a new attempt cannot take the step over half-way through a publication.
  private static final String CLAIM =
      "UPDATE steps SET attempt_token = attempt_token WHERE run_id = ? AND name = ? AND attempt_token = ?";

  private LeaseTable() {}

  public static boolean acquire(
      Session db, String runId, String owner, Instant now, Instant expires) throws SQLException {
    PreparedStatement s = db.prepare(ACQUIRE);
    s.setString(1, runId);
    s.setString(2, owner);
    s.setLong(3, now.toEpochMilli());
    s.setLong(4, expires.toEpochMilli());
    return s.executeUpdate() == 1;
  }

  public static void release(Session db, String runId, String owner) throws SQLException {
    PreparedStatement s = db.prepare(RELEASE);
    s.setString(1, runId);
    s.setString(2, owner);
    s.executeUpdate();
  }

  public static Optional<RunLease> find(Session db, String runId) throws SQLException {
    PreparedStatement s = db.prepare(FIND);
    s.setString(1, runId);
    try (ResultSet row = s.executeQuery()) {
      if (!row.next()) {
        return Optional.empty();
      }
      return Optional.of(
          new RunLease(
              runId,
              row.getString("owner"),
              getInstant(row, "renewed_at"),
              getInstant(row, "expires_at")));
    }
  }

  public static void setToken(Session db, String runId, String step, String token)
      throws SQLException {
    PreparedStatement s = db.prepare(SET_TOKEN);
    s.setString(1, token);
    s.setString(2, runId);
    s.setString(3, step);
    s.executeUpdate();
  }

  public static Optional<String> token(Session db, String runId, String step) throws SQLException {
    PreparedStatement s = db.prepare(GET_TOKEN);
    s.setString(1, runId);
    s.setString(2, step);
    try (ResultSet row = s.executeQuery()) {
      return row.next() ? Optional.ofNullable(row.getString(1)) : Optional.empty();
    }
  }

  /**
   * Whether {@code token} is the step's current attempt's, holding the step until the transaction
   * ends.
   */
  public static boolean claim(Session db, String runId, String step, String token)
      throws SQLException {
    PreparedStatement s = db.prepare(CLAIM);
    s.setString(1, runId);
    s.setString(2, step);
    s.setString(3, token);
    return s.executeUpdate() == 1;
  }

  /** Links outputs and inputs if {@code token} is current; false (nothing written) if not. */
  public static boolean publish(
      Session db,
      String runId,
      String step,
      String token,
      Map<String, String> outputs,
      Map<String, String> inputs)
      throws SQLException {
    if (outputs.isEmpty() && inputs.isEmpty()) {
      // Nothing to link, so no publication a new attempt could cut in half: a plain read of the
      // token will do. The claim's row write would cost a commit flush per step (PostgreSQL).
      if (!token(db, runId, step).map(token::equals).orElse(false)) {
        return false;
      }
    } else if (!claim(db, runId, step, token)) {
      return false;
    }
    LinkTable.replace(db, runId, step, outputs, inputs);
    return true;
  }
}
