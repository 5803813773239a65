package dev.skiff.core;

import dev.skiff.sdk.RetryPolicy;
import java.time.Duration;

/**
 * A step's settings after resolution (pipeline settings, then step settings on top). {@code
 * timeout} null means none.
 */
public record StepPolicy(
    boolean enableCache,
    int maxAttempts,
    Duration initialBackoff,
    double backoffMultiplier,
    Duration maxBackoff,
    Duration timeout) {

  public static StepPolicy of(boolean enableCache, RetryPolicy retry, Duration timeout) {
    return new StepPolicy(
        enableCache,
        retry.maxAttempts(),
        retry.initialBackoff(),
        retry.backoffMultiplier(),
        retry.maxBackoff(),
        timeout);
  }

  public RetryPolicy retry() {
    return RetryPolicy.newBuilder()
        .maxAttempts(maxAttempts)
        .initialBackoff(initialBackoff)
        .backoffMultiplier(backoffMultiplier)
        .maxBackoff(maxBackoff)
        .build();
  }
}
