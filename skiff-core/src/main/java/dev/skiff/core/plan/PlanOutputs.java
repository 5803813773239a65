package dev.skiff.core.plan;

import dev.skiff.sdk.internal.OutputRef;

/** Names shared by plans and the runtime. */
public final class PlanOutputs {
  /** Name of the single output of a step that does not return a record. */
  public static final String DEFAULT = OutputRef.DEFAULT_OUTPUT;

  private PlanOutputs() {}
}
