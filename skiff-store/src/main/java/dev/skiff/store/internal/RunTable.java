package dev.skiff.store.internal;

import static dev.skiff.store.internal.Columns.getEnum;
import static dev.skiff.store.internal.Columns.getInstant;
import static dev.skiff.store.internal.Columns.setInstant;

import dev.skiff.core.spi.RunRecord;
import dev.skiff.sdk.RunStatus;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code runs} table. */
public final class RunTable {

  private static final String COLUMNS =
      "id, pipeline, status, orchestrator, plan_hash, plan_json, created_at, ended_at, error";
  // Ties on created_at (same millisecond) are broken by id so that paging is stable.
  private static final String NEWEST_FIRST = " ORDER BY created_at DESC, id DESC";

  private static final String INSERT =
      "INSERT INTO runs ("
          + COLUMNS
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (id) DO NOTHING";
  private static final String UPDATE =
      "UPDATE runs SET status = ?, ended_at = ?, error = ? WHERE id = ?";
  private static final String FIND = "SELECT " + COLUMNS + " FROM runs WHERE id = ?";
  private static final String STATUS = "SELECT status FROM runs WHERE id = ?";
  private static final String FIND_BY_PREFIX =
      "SELECT " + COLUMNS + " FROM runs WHERE id LIKE ? ESCAPE '!'" + NEWEST_FIRST;
  private static final String LIST = "SELECT " + COLUMNS + " FROM runs" + NEWEST_FIRST + " LIMIT ?";
  private static final String LIST_PIPELINE =
      "SELECT " + COLUMNS + " FROM runs WHERE pipeline = ?" + NEWEST_FIRST + " LIMIT ?";

  private RunTable() {}

  /** Returns false if a run with this id exists (it is left unchanged). */
  public static boolean insert(Session db, RunRecord run) throws SQLException {
    PreparedStatement insert = db.prepare(INSERT);
    insert.setString(1, run.id());
    insert.setString(2, run.pipeline());
    insert.setString(3, run.status().name());
    insert.setString(4, run.orchestrator());
    insert.setString(5, run.planHash());
    insert.setString(6, run.planJson());
    setInstant(insert, 7, run.createdAt());
    setInstant(insert, 8, run.endedAt());
    insert.setString(9, run.error());
    return insert.executeUpdate() == 1;
  }

  /** Returns false if there is no such run. */
  public static boolean update(
      Session db, String runId, RunStatus status, Instant endedAt, String error)
      throws SQLException {
    PreparedStatement update = db.prepare(UPDATE);
    update.setString(1, status.name());
    setInstant(update, 2, endedAt);
    update.setString(3, error);
    update.setString(4, runId);
    return update.executeUpdate() == 1;
  }

  public static Optional<RunRecord> find(Session db, String runId) throws SQLException {
    PreparedStatement find = db.prepare(FIND);
    find.setString(1, runId);
    List<RunRecord> runs = read(find);
    return runs.stream().findFirst();
  }

  public static Optional<RunStatus> status(Session db, String runId) throws SQLException {
    PreparedStatement status = db.prepare(STATUS);
    status.setString(1, runId);
    try (ResultSet rs = status.executeQuery()) {
      return rs.next() ? Optional.of(getEnum(rs, "status", RunStatus.class)) : Optional.empty();
    }
  }

  public static List<RunRecord> findByPrefix(Session db, String prefix) throws SQLException {
    PreparedStatement find = db.prepare(FIND_BY_PREFIX);
    find.setString(1, Columns.startsWith(prefix));
    return read(find);
  }

  /** {@code pipeline} null for all pipelines. */
  public static List<RunRecord> list(Session db, String pipeline, int limit) throws SQLException {
    PreparedStatement list;
    if (pipeline == null) {
      list = db.prepare(LIST);
      list.setInt(1, limit);
    } else {
      list = db.prepare(LIST_PIPELINE);
      list.setString(1, pipeline);
      list.setInt(2, limit);
    }
    return read(list);
  }

  private static List<RunRecord> read(PreparedStatement query) throws SQLException {
    List<RunRecord> runs = new ArrayList<>();
    try (ResultSet row = query.executeQuery()) {
      while (row.next()) {
        runs.add(
            new RunRecord(
                row.getString("id"),
                row.getString("pipeline"),
                getEnum(row, "status", RunStatus.class),
                row.getString("orchestrator"),
                row.getString("plan_hash"),
                row.getString("plan_json"),
                getInstant(row, "created_at"),
                getInstant(row, "ended_at"),
                row.getString("error")));
      }
    }
    return runs;
  }
}
