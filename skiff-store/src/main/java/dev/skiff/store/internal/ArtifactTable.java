package dev.skiff.store.internal;

import static dev.skiff.store.internal.Columns.getEnum;
import static dev.skiff.store.internal.Columns.getInstant;
import static dev.skiff.store.internal.Columns.setInstant;

import dev.skiff.core.spi.ArtifactRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code artifacts} table. */
public final class ArtifactTable {

  /** The artifact columns, qualified with alias {@code a} so joins can select them. */
  static final String COLUMNS =
      "a.id, a.run_id, a.step, a.name, a.kind, a.type, a.materializer, a.path, a.content_hash,"
          + " a.size, a.created_at";

  // NULLS LAST is standard SQL: SQLite and PostgreSQL otherwise disagree on where nulls go.
  private static final String NEWEST_FIRST = " ORDER BY a.created_at DESC NULLS LAST, a.id DESC";

  private static final String UPSERT =
      "INSERT INTO artifacts (id, run_id, step, name, kind, type, materializer, path,"
          + " content_hash, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id, step = excluded.step,"
          + " name = excluded.name, kind = excluded.kind, type = excluded.type,"
          + " materializer = excluded.materializer, path = excluded.path,"
          + " content_hash = excluded.content_hash, size = excluded.size,"
          + " created_at = excluded.created_at";
  private static final String FIND = "SELECT " + COLUMNS + " FROM artifacts a WHERE a.id = ?";
  private static final String FIND_BY_PREFIX =
      "SELECT " + COLUMNS + " FROM artifacts a WHERE a.id LIKE ? ESCAPE '!'" + NEWEST_FIRST;
  private static final String LIST_ALL =
      "SELECT " + COLUMNS + " FROM artifacts a" + NEWEST_FIRST + " LIMIT ?";
  // A run's artifacts: those it wrote, and those its steps link as outputs (a CACHED step
  // links the artifacts of the older run it reused).
  private static final String LIST_RUN =
      "SELECT "
          + COLUMNS
          + " FROM artifacts a WHERE a.run_id = ? OR a.id IN"
          + " (SELECT l.artifact_id FROM step_artifacts l"
          + " WHERE l.run_id = ? AND l.direction = 'out')"
          + NEWEST_FIRST
          + " LIMIT ?";

  private ArtifactTable() {}

  public static void upsert(Session db, ArtifactRecord artifact) throws SQLException {
    PreparedStatement upsert = db.prepare(UPSERT);
    upsert.setString(1, artifact.id());
    upsert.setString(2, artifact.runId());
    upsert.setString(3, artifact.step());
    upsert.setString(4, artifact.name());
    upsert.setString(5, artifact.kind().name());
    upsert.setString(6, artifact.type());
    upsert.setString(7, artifact.materializer());
    upsert.setString(8, artifact.path());
    upsert.setString(9, artifact.contentHash());
    upsert.setLong(10, artifact.size());
    setInstant(upsert, 11, artifact.createdAt());
    upsert.executeUpdate();
  }

  public static Optional<ArtifactRecord> find(Session db, String id) throws SQLException {
    PreparedStatement find = db.prepare(FIND);
    find.setString(1, id);
    return read(find).stream().findFirst();
  }

  public static List<ArtifactRecord> findByPrefix(Session db, String prefix) throws SQLException {
    PreparedStatement find = db.prepare(FIND_BY_PREFIX);
    find.setString(1, Columns.startsWith(prefix));
    return read(find);
  }

  /** {@code runId} null for the newest artifacts of all runs. */
  public static List<ArtifactRecord> list(Session db, String runId, int limit) throws SQLException {
    PreparedStatement list;
    if (runId == null) {
      list = db.prepare(LIST_ALL);
      list.setInt(1, limit);
    } else {
      list = db.prepare(LIST_RUN);
      list.setString(1, runId);
      list.setString(2, runId);
      list.setInt(3, limit);
    }
    return read(list);
  }

  /** Maps the current row, which must hold {@link #COLUMNS}. */
  static ArtifactRecord map(ResultSet row) throws SQLException {
    return new ArtifactRecord(
        row.getString("id"),
        row.getString("run_id"),
        row.getString("step"),
        row.getString("name"),
        getEnum(row, "kind", ArtifactRecord.Kind.class),
        row.getString("type"),
        row.getString("materializer"),
        row.getString("path"),
        row.getString("content_hash"),
        row.getLong("size"),
        getInstant(row, "created_at"));
  }

  private static List<ArtifactRecord> read(PreparedStatement query) throws SQLException {
    List<ArtifactRecord> artifacts = new ArrayList<>();
    try (ResultSet row = query.executeQuery()) {
      while (row.next()) {
        artifacts.add(map(row));
      }
    }
    return artifacts;
  }
}
