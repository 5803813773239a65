package dev.skiff.core.spi;

import java.time.Instant;

/**
 * Who owns a running run: the orchestrator that heart-beats it, until {@code expiresAt} unless
 * renewed. A run whose lease expired lost its orchestrator.
 */
public record RunLease(String runId, String owner, Instant renewedAt, Instant expiresAt) {
  public boolean liveAt(Instant now) {
    return expiresAt.isAfter(now);
  }
}
