package dev.skiff.sdk;

import java.util.Objects;

/**
 * A literal argument of a step, typically a configuration record. It is stored as JSON in the run
 * plan and is part of the step's cache key, so changing it re-runs the step.
 */
public final class Param<T> implements Input<T> {
  private final T value;

  private Param(T value) {
    this.value = Objects.requireNonNull(value, "parameter value");
  }

  /** A parameter; its JSON form goes into the plan and the cache key. */
  public static <T> Param<T> of(T value) {
    return new Param<>(value);
  }

  public T value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Param<?> p && p.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return "Param[" + value + "]";
  }
}
