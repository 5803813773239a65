package dev.skiff.core.spi;

import dev.skiff.sdk.RunStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * A run as stored. {@code planJson} is the full {@link RunPlan}; {@code endedAt} and {@code error}
 * are null while running.
 */
public record RunRecord(
    String id,
    String pipeline,
    RunStatus status,
    String orchestrator,
    String planHash,
    String planJson,
    Instant createdAt,
    Instant endedAt,
    String error) {
  public RunRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
