package dev.skiff.sdk;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of a whole pipeline run. Defaults: caching on, fail fast, no parallelism limit beyond
 * the orchestrator's, one attempt per step, no step timeout.
 */
public final class PipelineSettings {
  public static final PipelineSettings DEFAULTS = newBuilder().build();

  private final boolean enableCache;
  private final boolean failFast;
  private final int maxParallelism;
  private final RetryPolicy retry;
  private final Duration stepTimeout;
  private final Map<String, Object> settings;

  private PipelineSettings(Builder b) {
    this.enableCache = b.enableCache;
    this.failFast = b.failFast;
    this.maxParallelism = b.maxParallelism;
    this.retry = b.retry;
    this.stepTimeout = b.stepTimeout;
    this.settings = Map.copyOf(b.settings);
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.enableCache = enableCache;
    b.failFast = failFast;
    b.maxParallelism = maxParallelism;
    b.retry = retry;
    b.stepTimeout = stepTimeout;
    b.settings.putAll(settings);
    return b;
  }

  /** Whether steps may reuse cached outputs; default true. A step setting overrides it. */
  public boolean enableCache() {
    return enableCache;
  }

  /**
   * Default true: after a step fails for good no new step starts and the run fails. False keeps
   * running the branches that do not depend on the failed step.
   */
  public boolean failFast() {
    return failFast;
  }

  /** Most steps running at once; 0 (default) leaves the limit to the orchestrator. */
  public int maxParallelism() {
    return maxParallelism;
  }

  /** Retry policy of steps that set none; default one attempt. */
  public RetryPolicy retry() {
    return retry;
  }

  /** Time limit of one step attempt for steps that set none; default none. */
  public Optional<Duration> stepTimeout() {
    return Optional.ofNullable(stepTimeout);
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
    return o instanceof PipelineSettings s
        && s.enableCache == enableCache
        && s.failFast == failFast
        && s.maxParallelism == maxParallelism
        && s.retry.equals(retry)
        && Objects.equals(s.stepTimeout, stepTimeout)
        && s.settings.equals(settings);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enableCache, failFast, maxParallelism, retry, stepTimeout, settings);
  }

  @Override
  public String toString() {
    return "PipelineSettings{enableCache="
        + enableCache
        + ", failFast="
        + failFast
        + ", maxParallelism="
        + maxParallelism
        + ", retry="
        + retry
        + ", stepTimeout="
        + stepTimeout
        + ", settings="
        + settings
        + "}";
  }

  /** Builder; every setter validates its argument. */
  public static final class Builder {
    private boolean enableCache = true;
    private boolean failFast = true;
    private int maxParallelism = 0;
    private RetryPolicy retry = RetryPolicy.NONE;
    private Duration stepTimeout;
    private final Map<String, Object> settings = new LinkedHashMap<>();

    private Builder() {}

    public Builder enableCache(boolean enableCache) {
      this.enableCache = enableCache;
      return this;
    }

    public Builder failFast(boolean failFast) {
      this.failFast = failFast;
      return this;
    }

    public Builder maxParallelism(int maxParallelism) {
      if (maxParallelism < 0) {
        throw new IllegalArgumentException("maxParallelism must be 0 (no limit) or positive");
      }
      this.maxParallelism = maxParallelism;
      return this;
    }

    public Builder retry(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    public Builder stepTimeout(Duration stepTimeout) {
      if (stepTimeout == null || stepTimeout.isZero() || stepTimeout.isNegative()) {
        throw new IllegalArgumentException("stepTimeout must be positive");
      }
      this.stepTimeout = stepTimeout;
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

    public PipelineSettings build() {
      return new PipelineSettings(this);
    }
  }
}
