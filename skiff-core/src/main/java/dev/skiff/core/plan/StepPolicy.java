package dev.skiff.core.plan;

import dev.skiff.sdk.FailureKind;
import dev.skiff.sdk.RetryPolicy;
import java.time.Duration;
import java.util.Set;

/**
 * A step's settings after resolution (pipeline settings, then step settings on top). {@code
 * timeout} null means none. {@code retryOn} and {@code infrastructureRetries} default as in {@link
 * RetryPolicy} (plans recorded before they existed read with the defaults).
 */
public record StepPolicy(
    boolean enableCache,
    int maxAttempts,
    Duration initialBackoff,
    double backoffMultiplier,
    Duration maxBackoff,
    Duration timeout,
    Set<FailureKind> retryOn,
    Integer infrastructureRetries) {

  public StepPolicy {
    // through the builder: declaration order, so a plan hashes the same in every JVM
    retryOn =
        retryOn == null
            ? RetryPolicy.NONE.retryOn()
            : RetryPolicy.newBuilder().retryOn(retryOn).build().retryOn();
    infrastructureRetries =
        infrastructureRetries == null
            ? RetryPolicy.DEFAULT_INFRASTRUCTURE_RETRIES
            : infrastructureRetries;
  }

  /** A policy with the default failure kinds and infrastructure budget. */
  public StepPolicy(
      boolean enableCache,
      int maxAttempts,
      Duration initialBackoff,
      double backoffMultiplier,
      Duration maxBackoff,
      Duration timeout) {
    this(
        enableCache,
        maxAttempts,
        initialBackoff,
        backoffMultiplier,
        maxBackoff,
        timeout,
        null,
        null);
  }

  public static StepPolicy of(boolean enableCache, RetryPolicy retry, Duration timeout) {
    return new StepPolicy(
        enableCache,
        retry.maxAttempts(),
        retry.initialBackoff(),
        retry.backoffMultiplier(),
        retry.maxBackoff(),
        timeout,
        retry.retryOn(),
        retry.infrastructureRetries());
  }

  public RetryPolicy retry() {
    return RetryPolicy.newBuilder()
        .maxAttempts(maxAttempts)
        .initialBackoff(initialBackoff)
        .backoffMultiplier(backoffMultiplier)
        .maxBackoff(maxBackoff)
        .retryOn(retryOn)
        .infrastructureRetries(infrastructureRetries)
        .build();
  }
}
