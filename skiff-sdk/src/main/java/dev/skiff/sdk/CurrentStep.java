package dev.skiff.sdk;

import java.util.Optional;

/**
 * Binds the running step's context to its thread. Skiff sets it around each step; a unit test of a
 * step function sets it to a context of its own ({@code CurrentStep.set(ctx)}, then {@code
 * clear()}) to call the step without a run.
 */
public final class CurrentStep {
  private static final InheritableThreadLocal<StepContext> CURRENT = new InheritableThreadLocal<>();

  private CurrentStep() {}

  public static Optional<StepContext> get() {
    return Optional.ofNullable(CURRENT.get());
  }

  public static void set(StepContext context) {
    CURRENT.set(context);
  }

  public static void clear() {
    CURRENT.remove();
  }
}
