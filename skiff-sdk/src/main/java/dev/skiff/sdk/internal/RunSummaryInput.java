package dev.skiff.sdk.internal;

import dev.skiff.sdk.Input;
import dev.skiff.sdk.RunSummary;

/** The first input of a hook: the summary of the run, known only when the other steps ended. */
public final class RunSummaryInput implements Input<RunSummary> {
  public static final RunSummaryInput INSTANCE = new RunSummaryInput();

  private RunSummaryInput() {}

  @Override
  public String toString() {
    return "RunSummary";
  }
}
