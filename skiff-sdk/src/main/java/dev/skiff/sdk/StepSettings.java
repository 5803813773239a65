package dev.skiff.sdk;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of one step. Unset values inherit from the pipeline settings: caching on, a single
 * attempt, no timeout.
 */
public final class StepSettings {
  /** Nothing set: everything inherits. */
  public static final StepSettings INHERIT = newBuilder().build();

  private final Boolean enableCache;
  private final RetryPolicy retry;
  private final Duration timeout;
  private final Integer maxParallelism;
  private final Map<String, Object> settings;

  private StepSettings(Builder b) {
    this.enableCache = b.enableCache;
    this.retry = b.retry;
    this.timeout = b.timeout;
    this.maxParallelism = b.maxParallelism;
    this.settings = Map.copyOf(b.settings);
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.enableCache = enableCache;
    b.retry = retry;
    b.timeout = timeout;
    b.maxParallelism = maxParallelism;
    b.settings.putAll(settings);
    return b;
  }

  /** Whether the step may reuse cached outputs; empty inherits the pipeline's (default true). */
  public Optional<Boolean> enableCache() {
    return Optional.ofNullable(enableCache);
  }

  /** Retry policy; empty inherits the pipeline's (default: one attempt). */
  public Optional<RetryPolicy> retry() {
    return Optional.ofNullable(retry);
  }

  /** Time limit of one attempt; empty inherits the pipeline's (default: none). */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /**
   * Map steps only: how many instances of the map run at once; empty or 0 for no limit of the map's
   * own (the pipeline's and the orchestrator's limits still apply).
   */
  public Optional<Integer> maxParallelism() {
    return Optional.ofNullable(maxParallelism);
  }

  /**
   * Component settings keyed {@code <component type>.<flavor>}, e.g. {@code
   * "orchestrator.kubernetes"}: each value a settings record or a map of its fields.
   */
  public Map<String, Object> settings() {
    return settings;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StepSettings s
        && Objects.equals(s.enableCache, enableCache)
        && Objects.equals(s.retry, retry)
        && Objects.equals(s.timeout, timeout)
        && Objects.equals(s.maxParallelism, maxParallelism)
        && s.settings.equals(settings);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enableCache, retry, timeout, maxParallelism, settings);
  }

  @Override
  public String toString() {
    return "StepSettings{enableCache="
        + enableCache
        + ", retry="
        + retry
        + ", timeout="
        + timeout
        + ", maxParallelism="
        + maxParallelism
        + ", settings="
        + settings
        + "}";
  }

  /** Builder; every setter validates its argument. */
  public static final class Builder {
    private Boolean enableCache;
    private RetryPolicy retry;
    private Duration timeout;
    private Integer maxParallelism;
    private final Map<String, Object> settings = new LinkedHashMap<>();

    private Builder() {}

    public Builder enableCache(boolean enableCache) {
      this.enableCache = enableCache;
      return this;
    }

    public Builder retry(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /** Shorthand for a retry policy with this many attempts and the default backoff. */
    public Builder maxAttempts(int maxAttempts) {
      this.retry =
          (retry == null ? RetryPolicy.newBuilder() : retry.toBuilder())
              .maxAttempts(maxAttempts)
              .build();
      return this;
    }

    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * For a map step: at most this many of its instances run at once; 0 for no limit of its own.
     * The plan compiler refuses it on other steps.
     */
    public Builder maxParallelism(int maxParallelism) {
      if (maxParallelism < 0) {
        throw new IllegalArgumentException(
            "maxParallelism must be 0 (no limit) or positive, was " + maxParallelism);
      }
      this.maxParallelism = maxParallelism;
      return this;
    }

    /**
     * Settings for one stack component flavor, e.g. {@code setting("orchestrator.kubernetes",
     * Map.of("nodeSelector", Map.of("pool", "gpu")))}; they override the component's configuration
     * (and, for steps, the pipeline's settings) field by field.
     */
    public Builder setting(String key, Object value) {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("setting key must not be empty");
      }
      settings.put(key, Objects.requireNonNull(value, () -> "value of setting " + key));
      return this;
    }

    public StepSettings build() {
      return new StepSettings(this);
    }
  }
}
