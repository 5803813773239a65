package dev.skiff.store;

import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.SecretRecord;
import dev.skiff.core.stack.StackRecord;
import dev.skiff.core.stack.StackStore;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.internal.ArtifactTable;
import dev.skiff.store.internal.ComponentTable;
import dev.skiff.store.internal.Database;
import dev.skiff.store.internal.LeaseTable;
import dev.skiff.store.internal.LinkTable;
import dev.skiff.store.internal.RunTable;
import dev.skiff.store.internal.SecretTable;
import dev.skiff.store.internal.Session;
import dev.skiff.store.internal.SettingTable;
import dev.skiff.store.internal.StackTable;
import dev.skiff.store.internal.StepTable;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link MetadataStore} and {@link StackStore} in a relational database (SQLite or PostgreSQL),
 * opened with {@link MetadataStores}. Thread-safe: on SQLite all threads share one connection, one
 * operation at a time; on PostgreSQL each operation borrows a connection from a small pool.
 * Instants are stored with millisecond precision. Failures throw {@link MetadataStoreException}.
 */
public final class JdbcMetadataStore implements MetadataStore, StackStore {

  /** A write that returns nothing. */
  @FunctionalInterface
  private interface Update {
    void run(Session session) throws SQLException;
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
  public Optional<RunStatus> runStatus(String runId) {
    return call("find run " + runId, d -> RunTable.status(d, runId));
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
    // One transaction: readers never see a step with half of its links.
    transaction(
        "link artifacts of step " + runId + "/" + step,
        d -> {
          LinkTable.replace(d, runId, step, outputs, inputs);
          return null;
        });
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

  @Override
  public void markArtifactCorrupt(String artifactId) {
    Objects.requireNonNull(artifactId, "artifactId");
    write(
        "mark artifact " + artifactId + " corrupt",
        d -> LinkTable.markCorrupt(d, artifactId, System.currentTimeMillis()));
  }

  @Override
  public boolean isArtifactCorrupt(String artifactId) {
    Objects.requireNonNull(artifactId, "artifactId");
    return call("read artifact " + artifactId, d -> LinkTable.isCorrupt(d, artifactId));
  }

  // ---- leases and attempt tokens

  @Override
  public boolean acquireLease(String runId, String owner, Instant now, java.time.Duration ttl) {
    Objects.requireNonNull(owner, "owner");
    return call(
        "take the lease of run " + runId,
        d -> LeaseTable.acquire(d, runId, owner, now, now.plus(ttl)));
  }

  @Override
  public void releaseLease(String runId, String owner) {
    write("release the lease of run " + runId, d -> LeaseTable.release(d, runId, owner));
  }

  @Override
  public Optional<dev.skiff.core.spi.RunLease> findLease(String runId) {
    return call("read the lease of run " + runId, d -> LeaseTable.find(d, runId));
  }

  @Override
  public void setAttemptToken(String runId, String step, String token) {
    write(
        "start an attempt of step " + runId + "/" + step,
        d -> LeaseTable.setToken(d, runId, step, token));
  }

  @Override
  public void startAttempt(StepRecord running, String token) {
    Objects.requireNonNull(token, "token");
    write(
        "start an attempt of step " + running.runId() + "/" + running.name(),
        d -> StepTable.upsert(d, running, token));
  }

  @Override
  public Optional<String> attemptToken(String runId, String step) {
    return call(
        "read the attempt of step " + runId + "/" + step, d -> LeaseTable.token(d, runId, step));
  }

  @Override
  public void publishOutputs(
      String runId,
      String step,
      String token,
      Map<String, String> outputs,
      Map<String, String> inputs) {
    Objects.requireNonNull(token, "token");
    boolean current =
        transaction(
            "link artifacts of step " + runId + "/" + step,
            d -> LeaseTable.publish(d, runId, step, token, outputs, inputs));
    if (!current) {
      throw new dev.skiff.core.spi.StaleAttemptException(runId, step);
    }
  }

  // ---- components, stacks, secrets, settings (StackStore)

  @Override
  public void saveComponent(ComponentRecord component) {
    Objects.requireNonNull(component, "component");
    write(
        "save " + describe(component.type(), component.name()),
        d -> ComponentTable.upsert(d, component));
  }

  @Override
  public Optional<ComponentRecord> findComponent(ComponentType type, String name) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    return call("find " + describe(type, name), d -> ComponentTable.find(d, type, name));
  }

  @Override
  public List<ComponentRecord> listComponents(ComponentType type) {
    String what = type == null ? "list components" : "list " + type.cliName() + " components";
    return call(what, d -> ComponentTable.list(d, type));
  }

  @Override
  public boolean deleteComponent(ComponentType type, String name) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    return call("delete " + describe(type, name), d -> ComponentTable.delete(d, type, name));
  }

  @Override
  public void saveStack(StackRecord stack) {
    Objects.requireNonNull(stack, "stack");
    // One transaction: readers never see the stack with half of its components replaced.
    transaction(
        "save stack " + stack.name(),
        d -> {
          StackTable.upsert(d, stack);
          return null;
        });
  }

  @Override
  public Optional<StackRecord> findStack(String name) {
    Objects.requireNonNull(name, "name");
    return call("find stack " + name, d -> StackTable.find(d, name));
  }

  @Override
  public List<StackRecord> listStacks() {
    return call("list stacks", StackTable::list);
  }

  @Override
  public boolean deleteStack(String name) {
    Objects.requireNonNull(name, "name");
    return transaction("delete stack " + name, d -> StackTable.delete(d, name));
  }

  @Override
  public void saveSecret(SecretRecord secret) {
    Objects.requireNonNull(secret, "secret");
    write("save secret " + secret.name(), d -> SecretTable.upsert(d, secret));
  }

  @Override
  public Optional<SecretRecord> findSecret(String name) {
    Objects.requireNonNull(name, "name");
    return call("find secret " + name, d -> SecretTable.find(d, name));
  }

  @Override
  public List<SecretRecord> listSecrets() {
    return call("list secrets", SecretTable::list);
  }

  @Override
  public boolean deleteSecret(String name) {
    Objects.requireNonNull(name, "name");
    return call("delete secret " + name, d -> SecretTable.delete(d, name));
  }

  @Override
  public Optional<String> getSetting(String key) {
    Objects.requireNonNull(key, "key");
    return call("read setting " + key, d -> SettingTable.get(d, key));
  }

  /** Inserts or replaces the setting; {@code value} null removes it. */
  @Override
  public void putSetting(String key, String value) {
    Objects.requireNonNull(key, "key");
    write("write setting " + key, d -> SettingTable.put(d, key, value));
  }

  @Override
  public java.util.SortedMap<String, String> settings(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    return call("read settings " + prefix + "*", d -> SettingTable.withPrefix(d, prefix));
  }

  // ---- lifecycle

  /** Closes the connection (or pool); later calls fail. Closing twice does nothing. */
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
      throw failure(what, e);
    }
  }

  private <T> T transaction(String what, Database.Work<T> work) {
    try {
      return db.transaction(work);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  /** The database's own reason when it knows one (server unreachable, login refused, ...). */
  private MetadataStoreException failure(String what, SQLException e) {
    String reason = db.reason(e);
    return new MetadataStoreException(
        "cannot "
            + what
            + " in "
            + location
            + ": "
            + (reason != null ? reason : Failures.reason(e)),
        e);
  }

  /** E.g. "orchestrator k8s", as the CLI names components. */
  private static String describe(ComponentType type, String name) {
    return type.cliName() + " " + name;
  }

  private static void checkLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, got " + limit);
    }
  }
}
