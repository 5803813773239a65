package dev.skiff.sdk.internal;

import dev.skiff.sdk.StepContext;
import java.util.Optional;

/** Binds the running step's context to its thread; set by the Skiff runtime. */
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
