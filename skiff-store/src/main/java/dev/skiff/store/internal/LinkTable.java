package dev.skiff.store.internal;

import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.MetadataStore.CacheHit;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** SQL for {@code step_artifacts}: what each step read and produced (lineage, cache hits). */
public final class LinkTable {

  private static final String OUT = "out";
  private static final String IN = "in";

  private static final String DELETE = "DELETE FROM step_artifacts WHERE run_id = ? AND step = ?";
  private static final String INSERT =
      "INSERT INTO step_artifacts (run_id, step, direction, name, artifact_id)"
          + " VALUES (?, ?, ?, ?, ?)";
  // Output names are aliased: artifacts have a name column too.
  private static final String OUTPUTS =
      "SELECT l.name AS output, "
          + ArtifactTable.COLUMNS
          + " FROM step_artifacts l JOIN artifacts a ON a.id = l.artifact_id"
          + " WHERE l.run_id = ? AND l.step = ? AND l.direction = 'out' ORDER BY l.name";
  private static final String INPUTS =
      "SELECT name, artifact_id FROM step_artifacts"
          + " WHERE run_id = ? AND step = ? AND direction = 'in' ORDER BY name";
  // Only steps that really ran can be reused: a CACHED step points at someone else's outputs, a
  // FAILED one has none; an execution with an output marked corrupt is skipped.
  private static final String CACHE_HIT_CANDIDATES =
      "SELECT run_id, name FROM steps s WHERE cache_key = ? AND status = 'SUCCEEDED'"
          + " AND NOT EXISTS (SELECT 1 FROM step_artifacts l JOIN corrupt_artifacts c ON c.artifact_id = l.artifact_id"
          + " WHERE l.run_id = s.run_id AND l.step = s.name AND l.direction = 'out')";
  // The newest ended execution first. Nulls are filtered rather than ordered (NULLS LAST), so
  // both databases walk steps_cache_key backwards and stop at the first usable row: PostgreSQL
  // sorts nulls after other values and would otherwise sort every execution of the key, which
  // for a step run thousands of times (same code, same inputs) costs milliseconds per lookup.
  private static final String CACHE_HIT_ENDED =
      CACHE_HIT_CANDIDATES
          + " AND ended_at IS NOT NULL ORDER BY ended_at DESC, started_at DESC NULLS LAST, run_id DESC LIMIT 1";
  // Executions recorded without an end time come after every ended one.
  private static final String CACHE_HIT_UNENDED =
      CACHE_HIT_CANDIDATES
          + " AND ended_at IS NULL ORDER BY started_at DESC NULLS LAST, run_id DESC LIMIT 1";

  private static final String STEP_OUTPUTS =
      "SELECT l.name AS output, "
          + ArtifactTable.COLUMNS
          + " FROM step_artifacts l JOIN artifacts a ON a.id = l.artifact_id"
          + " WHERE l.run_id = ? AND l.step = ? AND l.direction = 'out' ORDER BY l.name";

  private static final String MARK_CORRUPT =
      "INSERT INTO corrupt_artifacts (artifact_id, marked_at) VALUES (?, ?) ON CONFLICT (artifact_id) DO NOTHING";
  private static final String IS_CORRUPT = "SELECT 1 FROM corrupt_artifacts WHERE artifact_id = ?";

  private LinkTable() {}

  public static void markCorrupt(Session db, String artifactId, long now) throws SQLException {
    PreparedStatement insert = db.prepare(MARK_CORRUPT);
    insert.setString(1, artifactId);
    insert.setLong(2, now);
    insert.executeUpdate();
  }

  public static boolean isCorrupt(Session db, String artifactId) throws SQLException {
    PreparedStatement query = db.prepare(IS_CORRUPT);
    query.setString(1, artifactId);
    try (ResultSet row = query.executeQuery()) {
      return row.next();
    }
  }

  /** Replaces all links of the step; call inside a transaction. */
  public static void replace(
      Session db,
      String runId,
      String step,
      Map<String, String> outputs,
      Map<String, String> inputs)
      throws SQLException {
    PreparedStatement delete = db.prepare(DELETE);
    delete.setString(1, runId);
    delete.setString(2, step);
    delete.executeUpdate();
    if (outputs.isEmpty() && inputs.isEmpty()) {
      return;
    }
    PreparedStatement insert = db.prepare(INSERT);
    addLinks(insert, runId, step, OUT, outputs);
    addLinks(insert, runId, step, IN, inputs);
    insert.executeBatch();
  }

  public static Map<String, ArtifactRecord> outputs(Session db, String runId, String step)
      throws SQLException {
    PreparedStatement query = db.prepare(OUTPUTS);
    query.setString(1, runId);
    query.setString(2, step);
    Map<String, ArtifactRecord> outputs = new LinkedHashMap<>();
    try (ResultSet row = query.executeQuery()) {
      while (row.next()) {
        if (row.getString("output") != null && row.getString("id") != null) {
          outputs.put(row.getString("output"), ArtifactTable.map(row));
        }
      }
    }
    return outputs;
  }

  public static Map<String, String> inputs(Session db, String runId, String step)
      throws SQLException {
    PreparedStatement query = db.prepare(INPUTS);
    query.setString(1, runId);
    query.setString(2, step);
    Map<String, String> inputs = new LinkedHashMap<>();
    try (ResultSet row = query.executeQuery()) {
      while (row.next()) {
        inputs.put(row.getString("name"), row.getString("artifact_id"));
      }
    }
    return inputs;
  }

  /** The newest SUCCEEDED execution of the key (one indexed row), then its outputs. */
  public static Optional<CacheHit> findCacheHit(Session db, String cacheKey) throws SQLException {
    Execution newest = newestExecution(db, CACHE_HIT_ENDED, cacheKey);
    if (newest == null) {
      newest = newestExecution(db, CACHE_HIT_UNENDED, cacheKey);
    }
    if (newest == null) {
      return Optional.empty();
    }
    String runId = newest.runId();
    String step = newest.step();
    PreparedStatement outputs = db.prepare(STEP_OUTPUTS);
    outputs.setString(1, runId);
    outputs.setString(2, step);
    Map<String, ArtifactRecord> found = new LinkedHashMap<>();
    try (ResultSet row = outputs.executeQuery()) {
      while (row.next()) {
        found.put(row.getString("output"), ArtifactTable.map(row));
      }
    }
    return Optional.of(new CacheHit(runId, step, found));
  }

  /** The execution in the first row of {@code sql}, or null. */
  private static Execution newestExecution(Session db, String sql, String cacheKey)
      throws SQLException {
    PreparedStatement query = db.prepare(sql);
    query.setString(1, cacheKey);
    try (ResultSet row = query.executeQuery()) {
      return row.next() ? new Execution(row.getString("run_id"), row.getString("name")) : null;
    }
  }

  private record Execution(String runId, String step) {}

  private static void addLinks(
      PreparedStatement insert,
      String runId,
      String step,
      String direction,
      Map<String, String> links)
      throws SQLException {
    for (Map.Entry<String, String> link : links.entrySet()) {
      insert.setString(1, runId);
      insert.setString(2, step);
      insert.setString(3, direction);
      insert.setString(4, link.getKey());
      insert.setString(5, link.getValue());
      insert.addBatch();
    }
  }
}
