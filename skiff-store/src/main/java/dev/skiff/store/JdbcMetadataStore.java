package dev.skiff.store;

import dev.skiff.core.ArtifactRecord;
import dev.skiff.core.MetadataStore;
import dev.skiff.core.RunRecord;
import dev.skiff.core.StepRecord;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.internal.ArtifactTable;
import dev.skiff.store.internal.Database;
import dev.skiff.store.internal.LinkTable;
import dev.skiff.store.internal.RunTable;
import dev.skiff.store.internal.StepTable;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link MetadataStore} in a relational database (SQLite or PostgreSQL), opened with {@link
 * MetadataStores}. Thread-safe: all threads share one connection, one operation at a time. Instants
 * are stored with millisecond precision. Failures throw {@link MetadataStoreException}.
 */
public final class JdbcMetadataStore implements MetadataStore {

  /** A write that returns nothing. */
  @FunctionalInterface
  private interface Update {
    void run(Database db) throws SQLException;
  }

  private final Database db;
  private final String location;

  JdbcMetadataStore(Database db, String location) {
    this.db = db;
    this.location = location;
  }

  @Override
  public void createRun(RunRecord run) {
    Objects.requireNonNull(run, "run");
    if (!call("create run " + run.id(), d -> RunTable.insert(d, run))) {
      throw new MetadataStoreException(
          "cannot create run " + run.id() + " in " + location + ": a run with this id exists");
    }
  }

  @Override
  public void updateRun(String runId, RunStatus status, Instant endedAt, String error) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(status, "status");
    if (!call("update run " + runId, d -> RunTable.update(d, runId, status, endedAt, error))) {
      throw new MetadataStoreException(
          "cannot update run " + runId + " in " + location + ": no such run");
    }
  }

  @Override
  public Optional<RunRecord> findRun(String runId) {
    return call("find run " + runId, d -> RunTable.find(d, runId));
  }

  @Override
  public List<RunRecord> findRunsByPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    return call("find runs starting with " + prefix, d -> RunTable.findByPrefix(d, prefix));
  }

  @Override
  public List<RunRecord> listRuns(String pipeline, int limit) {
    checkLimit(limit);
    return call("list runs", d -> RunTable.list(d, pipeline, limit));
  }

  @Override
  public void saveStep(StepRecord step) {
    Objects.requireNonNull(step, "step");
    write("save step " + step.runId() + "/" + step.name(), d -> StepTable.upsert(d, step));
  }

  @Override
  public Optional<StepRecord> findStep(String runId, String step) {
    return call("find step " + runId + "/" + step, d -> StepTable.find(d, runId, step));
  }

  @Override
  public List<StepRecord> listSteps(String runId) {
    return call("list steps of run " + runId, d -> StepTable.list(d, runId));
  }

  @Override
  public void saveArtifact(ArtifactRecord artifact) {
    Objects.requireNonNull(artifact, "artifact");
    write("save artifact " + artifact.id(), d -> ArtifactTable.upsert(d, artifact));
  }

  @Override
  public Optional<ArtifactRecord> findArtifact(String artifactId) {
    return call("find artifact " + artifactId, d -> ArtifactTable.find(d, artifactId));
  }

  @Override
  public List<ArtifactRecord> findArtifactsByPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    return call(
        "find artifacts starting with " + prefix, d -> ArtifactTable.findByPrefix(d, prefix));
  }

  @Override
  public List<ArtifactRecord> listArtifacts(String runId, int limit) {
    checkLimit(limit);
    return call("list artifacts", d -> ArtifactTable.list(d, runId, limit));
  }

  @Override
  public void linkArtifacts(
      String runId, String step, Map<String, String> outputs, Map<String, String> inputs) {
    Objects.requireNonNull(outputs, "outputs");
    Objects.requireNonNull(inputs, "inputs");
    String what = "link artifacts of step " + runId + "/" + step;
    // One transaction: readers never see a step with half of its links.
    try {
      db.transaction(
          d -> {
            LinkTable.replace(d, runId, step, outputs, inputs);
            return null;
          });
    } catch (SQLException e) {
      throw Failures.wrap("cannot " + what + " in " + location, e);
    }
  }

  @Override
  public Map<String, ArtifactRecord> stepOutputs(String runId, String step) {
    return call(
        "read outputs of step " + runId + "/" + step, d -> LinkTable.outputs(d, runId, step));
  }

  @Override
  public Map<String, String> stepInputs(String runId, String step) {
    return call("read inputs of step " + runId + "/" + step, d -> LinkTable.inputs(d, runId, step));
  }

  @Override
  public Optional<CacheHit> findCacheHit(String cacheKey) {
    Objects.requireNonNull(cacheKey, "cacheKey");
    return call("look up cache key " + cacheKey, d -> LinkTable.findCacheHit(d, cacheKey));
  }

  /** Closes the connection; later calls fail. Closing twice does nothing. */
  @Override
  public void close() {
    try {
      db.close();
    } catch (SQLException e) {
      throw Failures.wrap("cannot close metadata store at " + location, e);
    }
  }

  @Override
  public String toString() {
    return "JdbcMetadataStore[" + location + "]";
  }

  private void write(String what, Update update) {
    call(
        what,
        d -> {
          update.run(d);
          return null;
        });
  }

  private <T> T call(String what, Database.Work<T> work) {
    try {
      return db.call(work);
    } catch (SQLException e) {
      throw Failures.wrap("cannot " + what + " in " + location, e);
    }
  }

  private static void checkLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, got " + limit);
    }
  }
}
