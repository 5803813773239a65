package dev.skiff.sdk;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a failed step is tried again and how long to wait in between. Stateless: the
 * scheduler keeps the attempt count. Defaults: 1 attempt (no retry), backoff 1 s doubling up
 * to 1 min.
 */
public final class RetryPolicy {
  /** A single attempt: failures are final. */
  public static final RetryPolicy NONE = newBuilder().build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final double backoffMultiplier;
  private final Duration maxBackoff;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.backoffMultiplier = b.backoffMultiplier;
    this.maxBackoff = b.maxBackoff;
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .maxAttempts(maxAttempts)
        .initialBackoff(initialBackoff)
        .backoffMultiplier(backoffMultiplier)
        .maxBackoff(maxBackoff);
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
    double millis = initialBackoff.toMillis() * Math.pow(backoffMultiplier, Math.max(0, nextAttempt - 2));
    return Duration.ofMillis((long) Math.min(millis, maxBackoff.toMillis()));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetryPolicy r
        && r.maxAttempts == maxAttempts
        && r.initialBackoff.equals(initialBackoff)
        && r.backoffMultiplier == backoffMultiplier
        && r.maxBackoff.equals(maxBackoff);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxAttempts, initialBackoff, backoffMultiplier, maxBackoff);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff
        + ", backoffMultiplier=" + backoffMultiplier + ", maxBackoff=" + maxBackoff + "}";
  }

  /** Builder; every setter validates its argument. */
  public static final class Builder {
    private int maxAttempts = 1;
    private Duration initialBackoff = Duration.ofSeconds(1);
    private double backoffMultiplier = 2.0;
    private Duration maxBackoff = Duration.ofMinutes(1);

    private Builder() {}

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

    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
