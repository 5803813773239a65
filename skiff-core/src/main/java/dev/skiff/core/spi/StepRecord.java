package dev.skiff.core.spi;

import dev.skiff.sdk.StepStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * A step of a run as stored. {@code cachedFrom} names the run whose outputs a CACHED step reused;
 * time and error fields are null until known. {@code userFailures} and {@code infraFailures} count
 * the failed attempts that spent each retry budget, so an orchestrator that restarts keeps them.
 */
public record StepRecord(
    String runId,
    String name,
    StepStatus status,
    int attempt,
    String cacheKey,
    String cachedFrom,
    Instant startedAt,
    Instant endedAt,
    String error,
    int userFailures,
    int infraFailures) {
  public StepRecord {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
  }

  /** A record with no failed attempts counted. */
  public StepRecord(
      String runId,
      String name,
      StepStatus status,
      int attempt,
      String cacheKey,
      String cachedFrom,
      Instant startedAt,
      Instant endedAt,
      String error) {
    this(runId, name, status, attempt, cacheKey, cachedFrom, startedAt, endedAt, error, 0, 0);
  }

  public StepRecord withStatus(StepStatus newStatus, Instant ended, String newError) {
    return new StepRecord(
        runId,
        name,
        newStatus,
        attempt,
        cacheKey,
        cachedFrom,
        startedAt,
        ended,
        newError,
        userFailures,
        infraFailures);
  }
}
