package dev.skiff.store.internal;

import static dev.skiff.store.internal.Columns.getEnum;
import static dev.skiff.store.internal.Columns.getInstant;
import static dev.skiff.store.internal.Columns.setInstant;

import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.StepStatus;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code steps} table. */
public final class StepTable {

  private static final String COLUMNS =
      "run_id, name, status, attempt, cache_key, cached_from, started_at, ended_at, error,"
          + " user_failures, infra_failures";

  // seq is computed on first insert only; the update branch leaves it alone, so a step keeps
  // its place when saved again. One statement, so concurrent writers cannot interleave on
  // SQLite; on PostgreSQL a rare tie is broken by name.
  private static final String UPSERT =
      "INSERT INTO steps ("
          + COLUMNS
          + ", seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
          + " (SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE run_id = ?))"
          + " ON CONFLICT (run_id, name) DO UPDATE SET status = excluded.status,"
          + " attempt = excluded.attempt, cache_key = excluded.cache_key,"
          + " cached_from = excluded.cached_from, started_at = excluded.started_at,"
          + " ended_at = excluded.ended_at, error = excluded.error,"
          + " user_failures = excluded.user_failures, infra_failures = excluded.infra_failures";
  // The same upsert that also makes a new attempt current: one statement per launch.
  private static final String UPSERT_STARTING =
      UPSERT.replace(
              "infra_failures, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,",
              "infra_failures, attempt_token, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,")
          + ", attempt_token = excluded.attempt_token";
  private static final String FIND =
      "SELECT " + COLUMNS + " FROM steps WHERE run_id = ? AND name = ?";
  private static final String LIST =
      "SELECT " + COLUMNS + " FROM steps WHERE run_id = ? ORDER BY seq, name";

  private StepTable() {}

  public static void upsert(Session db, StepRecord step) throws SQLException {
    PreparedStatement upsert = db.prepare(UPSERT);
    bind(upsert, step);
    upsert.setString(12, step.runId());
    upsert.executeUpdate();
  }

  /** {@link #upsert} that also makes {@code token} the step's current attempt. */
  public static void upsert(Session db, StepRecord step, String token) throws SQLException {
    PreparedStatement upsert = db.prepare(UPSERT_STARTING);
    bind(upsert, step);
    upsert.setString(12, token);
    upsert.setString(13, step.runId());
    upsert.executeUpdate();
  }

  private static void bind(PreparedStatement upsert, StepRecord step) throws SQLException {
    upsert.setString(1, step.runId());
    upsert.setString(2, step.name());
    upsert.setString(3, step.status().name());
    upsert.setInt(4, step.attempt());
    upsert.setString(5, step.cacheKey());
    upsert.setString(6, step.cachedFrom());
    setInstant(upsert, 7, step.startedAt());
    setInstant(upsert, 8, step.endedAt());
    upsert.setString(9, step.error());
    upsert.setInt(10, step.userFailures());
    upsert.setInt(11, step.infraFailures());
  }

  public static Optional<StepRecord> find(Session db, String runId, String name)
      throws SQLException {
    PreparedStatement find = db.prepare(FIND);
    find.setString(1, runId);
    find.setString(2, name);
    return read(find).stream().findFirst();
  }

  public static List<StepRecord> list(Session db, String runId) throws SQLException {
    PreparedStatement list = db.prepare(LIST);
    list.setString(1, runId);
    return read(list);
  }

  private static List<StepRecord> read(PreparedStatement query) throws SQLException {
    List<StepRecord> steps = new ArrayList<>();
    try (ResultSet row = query.executeQuery()) {
      while (row.next()) {
        steps.add(
            new StepRecord(
                row.getString("run_id"),
                row.getString("name"),
                getEnum(row, "status", StepStatus.class),
                row.getInt("attempt"),
                row.getString("cache_key"),
                row.getString("cached_from"),
                getInstant(row, "started_at"),
                getInstant(row, "ended_at"),
                row.getString("error"),
                row.getInt("user_failures"),
                row.getInt("infra_failures")));
      }
    }
    return steps;
  }
}
