package dev.skiff.kubernetes.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A token bucket for API requests, as client-go's QPS and burst: the bucket holds up to {@code
 * burst} tokens and refills at {@code qps} tokens a second; each request takes one, waiting for it
 * when the bucket is empty. So in any span of {@code t} seconds at most {@code burst + qps * t}
 * requests start, and a 1000-wide fan-out creates its pods at {@code qps} a second instead of all
 * at once. A rate of 0 means no limit.
 *
 * <p>A request that finds the bucket empty reserves the next token (the count goes below zero) and
 * sleeps until its token is due, so waiting callers are served in the order they came and the rate
 * holds however many threads ask at once.
 *
 * <p>Thread-safe. The clock and the sleep are injected so tests need no wall-clock time.
 */
public final class ApiRateLimiter {
  /** Sleeps for a number of nanoseconds. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(long nanos) throws InterruptedException;
  }

  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private double qps;
  private int burst;
  private double tokens;
  private long updated;

  /** A limiter with no limit until {@link #setRate} gives one; real time. */
  public ApiRateLimiter() {
    this(System::nanoTime, TimeUnit.NANOSECONDS::sleep);
  }

  /** A limiter with no limit until {@link #setRate} gives one, on {@code nanoTime}'s clock. */
  public ApiRateLimiter(LongSupplier nanoTime, Sleeper sleeper) {
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
    this.updated = nanoTime.getAsLong();
  }

  /**
   * Requests a second (0: no limit) and the most requests at once after a quiet spell (at least 1
   * when {@code qps} is positive). The bucket starts full.
   */
  public synchronized void setRate(double qps, int burst) {
    if (qps < 0 || Double.isNaN(qps) || Double.isInfinite(qps)) {
      throw new IllegalArgumentException("apiQps must be 0 (no limit) or positive, got " + qps);
    }
    if (qps > 0 && burst < 1) {
      throw new IllegalArgumentException("apiBurst must be at least 1, got " + burst);
    }
    this.qps = qps;
    this.burst = burst;
    this.tokens = burst;
    this.updated = nanoTime.getAsLong();
  }

  /** Whether requests are limited at all. */
  public synchronized boolean limited() {
    return qps > 0;
  }

  /** Takes one token, sleeping until it is due. */
  public void acquire() throws InterruptedException {
    long wait = reserve();
    if (wait > 0) {
      sleeper.sleep(wait);
    }
  }

  /**
   * Takes one token now and returns how many nanoseconds its holder must wait before sending (0
   * when the bucket had one). A caller that cannot wait still takes its token, so later callers
   * wait for it and the rate holds.
   */
  public synchronized long reserve() {
    if (qps <= 0) {
      return 0;
    }
    long now = nanoTime.getAsLong();
    tokens = Math.min(burst, tokens + (now - updated) * qps / 1e9);
    updated = now;
    tokens -= 1;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / qps * 1e9);
  }
}
