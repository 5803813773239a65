package dev.skiff.core.spi;

import dev.skiff.core.stack.StackStore;
import dev.skiff.sdk.RunStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where runs, steps, artifacts and lineage are recorded, and (as a {@link StackStore}) stacks,
 * components, secrets and project settings. Backends (SQLite, PostgreSQL, the Skiff server) live in
 * their own modules and must pass the contract test in {@code skiff-testing}. Implementations are
 * thread-safe and may be shared by several processes.
 */
public interface MetadataStore extends StackStore, AutoCloseable {

  /** Records a new run with its plan. Fails if the id exists. */
  void createRun(RunRecord run);

  /** Changes a run's status; {@code endedAt} and {@code error} may be null. */
  void updateRun(String runId, RunStatus status, Instant endedAt, String error);

  Optional<RunRecord> findRun(String runId);

  /**
   * The run's status alone, without its plan: what an orchestrator polls (a stop asked from
   * elsewhere) while a large plan's JSON would cost each poll a megabyte.
   */
  default Optional<RunStatus> runStatus(String runId) {
    return findRun(runId).map(RunRecord::status);
  }

  /** Runs whose id starts with {@code prefix}, newest first (for ids typed by people). */
  List<RunRecord> findRunsByPrefix(String prefix);

  /** Newest first; {@code pipeline} null for all pipelines. */
  List<RunRecord> listRuns(String pipeline, int limit);

  /** Inserts or replaces the step's row, keyed by (run id, step name). */
  void saveStep(StepRecord step);

  Optional<StepRecord> findStep(String runId, String step);

  /** Steps of a run, in the order they were first saved. */
  List<StepRecord> listSteps(String runId);

  /** Records an artifact written by a step. Ids are unique. */
  void saveArtifact(ArtifactRecord artifact);

  Optional<ArtifactRecord> findArtifact(String artifactId);

  /** Artifacts whose id starts with {@code prefix}. */
  List<ArtifactRecord> findArtifactsByPrefix(String prefix);

  /** Newest first; {@code runId} null for all runs. Includes outputs linked by cached steps. */
  List<ArtifactRecord> listArtifacts(String runId, int limit);

  /**
   * Links a step's outputs (output name to artifact id) and inputs (input name to artifact id). A
   * cached step links the artifacts of the run it reused. Replaces earlier links of the step.
   */
  void linkArtifacts(
      String runId, String step, Map<String, String> outputs, Map<String, String> inputs);

  /** Output name to artifact of a step, data outputs and visualizations alike. */
  Map<String, ArtifactRecord> stepOutputs(String runId, String step);

  /** Input name to artifact id of a step (lineage). */
  Map<String, String> stepInputs(String runId, String step);

  /**
   * The newest step that really ran (status SUCCEEDED, not CACHED) with this cache key, with its
   * outputs, skipping executions with an output marked corrupt.
   */
  Optional<CacheHit> findCacheHit(String cacheKey);

  /**
   * Marks an artifact as unusable: its bytes no longer match its content hash, or they are gone
   * from the artifact store. Cache lookups skip every execution that produced it, so the next run
   * re-runs its producer. Idempotent.
   */
  void markArtifactCorrupt(String artifactId);

  /** Whether {@link #markArtifactCorrupt} was called for the artifact. */
  boolean isArtifactCorrupt(String artifactId);

  /**
   * Takes the lease of {@code runId} for {@code owner} until {@code now + ttl}, or renews the
   * owner's own; false (and nothing changes) while another owner's lease has not expired.
   */
  boolean acquireLease(String runId, String owner, Instant now, java.time.Duration ttl);

  /** Gives the lease up, if {@code owner} holds it. */
  void releaseLease(String runId, String owner);

  Optional<RunLease> findLease(String runId);

  /**
   * Makes {@code token} the step's current attempt: only it may {@link #publishOutputs} from now
   * on.
   */
  void setAttemptToken(String runId, String step, String token);

  /**
   * Saves a step that starts an attempt ({@code RUNNING}) and makes {@code token} its current
   * attempt, as one write: the hot path of every launch.
   */
  default void startAttempt(StepRecord running, String token) {
    saveStep(running);
    setAttemptToken(running.runId(), running.name(), token);
  }

  /** The token of the step's current attempt, if one was set. */
  Optional<String> attemptToken(String runId, String step);

  /**
   * {@link #linkArtifacts} for the attempt holding {@code token}; when another attempt has taken
   * the step over, nothing is written and {@link StaleAttemptException} is thrown.
   */
  void publishOutputs(
      String runId,
      String step,
      String token,
      Map<String, String> outputs,
      Map<String, String> inputs);

  @Override
  void close();

  /** A reusable earlier step execution. */
  record CacheHit(String runId, String step, Map<String, ArtifactRecord> outputs) {
    public CacheHit {
      outputs = Map.copyOf(outputs);
    }
  }
}
