package dev.skiff.sdk;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How often a failed step is tried again and how long to wait in between. Stateless: the scheduler
 * keeps the attempt count. Defaults: 1 attempt (no retry), backoff 1 s doubling up to 1 min;
 * failures of the step's own code and timeouts count against {@code maxAttempts}; infrastructure
 * failures (eviction, node loss, a lost step process) are retried up to {@value
 * #DEFAULT_INFRASTRUCTURE_RETRIES} times on their own budget.
 */
public final class RetryPolicy {
  public static final int DEFAULT_INFRASTRUCTURE_RETRIES = 3;
  private static final Set<FailureKind> DEFAULT_RETRY_ON =
      Set.of(FailureKind.USER_CODE, FailureKind.TIMEOUT);

  /** A single attempt: failures are final (infrastructure failures still retried). */
  public static final RetryPolicy NONE = newBuilder().build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final double backoffMultiplier;
  private final Duration maxBackoff;
  private final Set<FailureKind> retryOn;
  private final int infrastructureRetries;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.backoffMultiplier = b.backoffMultiplier;
    this.maxBackoff = b.maxBackoff;
    this.retryOn = b.retryOn;
    this.infrastructureRetries = b.infrastructureRetries;
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .maxAttempts(maxAttempts)
        .initialBackoff(initialBackoff)
        .backoffMultiplier(backoffMultiplier)
        .maxBackoff(maxBackoff)
        .retryOn(retryOn)
        .infrastructureRetries(infrastructureRetries);
  }

  /**
   * Which kinds of failure of the step's own attempts are retried (within {@code maxAttempts});
   * default user code and timeouts. {@link FailureKind#INFRASTRUCTURE} has its own budget and
   * {@link FailureKind#CANCELLED} is never retried, so listing them changes nothing.
   */
  public Set<FailureKind> retryOn() {
    return retryOn;
  }

  /**
   * Extra attempts for infrastructure failures, which do not count against {@code maxAttempts};
   * default 3.
   */
  public int infrastructureRetries() {
    return infrastructureRetries;
  }

  /** Total attempts including the first; default 1. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Wait before the second attempt; default 1 s. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** Factor applied to the wait after each failed attempt; default 2.0. */
  public double backoffMultiplier() {
    return backoffMultiplier;
  }

  /** Upper bound of the wait; default 1 min. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** The wait before attempt {@code nextAttempt} (2 for the first retry). */
  public Duration backoffBefore(int nextAttempt) {
    double millis =
        initialBackoff.toMillis() * Math.pow(backoffMultiplier, Math.max(0, nextAttempt - 2));
    return Duration.ofMillis((long) Math.min(millis, maxBackoff.toMillis()));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetryPolicy r
        && r.maxAttempts == maxAttempts
        && r.initialBackoff.equals(initialBackoff)
        && r.backoffMultiplier == backoffMultiplier
        && r.maxBackoff.equals(maxBackoff)
        && r.retryOn.equals(retryOn)
        && r.infrastructureRetries == infrastructureRetries;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        maxAttempts, initialBackoff, backoffMultiplier, maxBackoff, retryOn, infrastructureRetries);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts="
        + maxAttempts
        + ", initialBackoff="
        + initialBackoff
        + ", backoffMultiplier="
        + backoffMultiplier
        + ", maxBackoff="
        + maxBackoff
        + ", retryOn="
        + retryOn
        + ", infrastructureRetries="
        + infrastructureRetries
        + "}";
  }

  /** Builder; every setter validates its argument. */
  public static final class Builder {
    private int maxAttempts = 1;
    private Duration initialBackoff = Duration.ofSeconds(1);
    private double backoffMultiplier = 2.0;
    private Duration maxBackoff = Duration.ofMinutes(1);
    private Set<FailureKind> retryOn = ordered(DEFAULT_RETRY_ON);
    private int infrastructureRetries = DEFAULT_INFRASTRUCTURE_RETRIES;

    private Builder() {}

    /**
     * The kinds of failure retried within {@code maxAttempts}; e.g. only {@code USER_CODE} to not
     * retry timeouts.
     */
    public Builder retryOn(Set<FailureKind> kinds) {
      if (kinds == null) {
        throw new IllegalArgumentException(
            "retryOn must not be null (give an empty set to retry nothing)");
      }
      this.retryOn = ordered(kinds);
      return this;
    }

    public Builder retryOn(FailureKind... kinds) {
      return retryOn(Set.of(kinds));
    }

    public Builder infrastructureRetries(int retries) {
      if (retries < 0) {
        throw new IllegalArgumentException(
            "infrastructureRetries must be 0 or more, was " + retries);
      }
      this.infrastructureRetries = retries;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder initialBackoff(Duration initialBackoff) {
      if (initialBackoff == null || initialBackoff.isNegative()) {
        throw new IllegalArgumentException("initialBackoff must be zero or positive");
      }
      this.initialBackoff = initialBackoff;
      return this;
    }

    public Builder backoffMultiplier(double backoffMultiplier) {
      if (!(backoffMultiplier >= 1.0)) {
        throw new IllegalArgumentException("backoffMultiplier must be at least 1.0");
      }
      this.backoffMultiplier = backoffMultiplier;
      return this;
    }

    public Builder maxBackoff(Duration maxBackoff) {
      if (maxBackoff == null || maxBackoff.isNegative()) {
        throw new IllegalArgumentException("maxBackoff must be zero or positive");
      }
      this.maxBackoff = maxBackoff;
      return this;
    }

    /**
     * In declaration order, so plans that hold the set serialize (and hash) the same everywhere.
     */
    private static Set<FailureKind> ordered(Set<FailureKind> kinds) {
      java.util.EnumSet<FailureKind> set = java.util.EnumSet.noneOf(FailureKind.class);
      set.addAll(kinds);
      return java.util.Collections.unmodifiableSet(set);
    }

    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
