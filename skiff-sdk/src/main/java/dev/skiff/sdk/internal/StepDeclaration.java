package dev.skiff.sdk.internal;

import dev.skiff.sdk.Input;
import dev.skiff.sdk.StepFunction;
import dev.skiff.sdk.StepSettings;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** One {@code step(...)}, {@code map(...)} or hook call as the user wrote it, before validation. */
public final class StepDeclaration {
  /** What was declared. */
  public enum Kind {
    STEP,
    /** {@code map}: the first input is the list of items. */
    MAP,
    /** Hooks: the first input is the run summary. */
    ON_SUCCESS,
    ON_FAILURE,
    ALWAYS;

    public boolean isHook() {
      return this == ON_SUCCESS || this == ON_FAILURE || this == ALWAYS;
    }
  }

  private final PipelineRecorder owner;
  private final String name;
  private final Kind kind;
  private final StepFunction code;
  private final List<Input<?>> inputs;
  private final Set<StepDeclaration> after = new LinkedHashSet<>();
  private final List<OutputRef<?>> conditions = new ArrayList<>();
  private StepSettings settings = StepSettings.INHERIT;

  StepDeclaration(
      PipelineRecorder owner, String name, Kind kind, StepFunction code, List<Input<?>> inputs) {
    this.owner = owner;
    this.name = name;
    this.kind = kind;
    this.code = code;
    this.inputs = new ArrayList<>(inputs);
  }

  public PipelineRecorder owner() {
    return owner;
  }

  public String name() {
    return name;
  }

  public Kind kind() {
    return kind;
  }

  public StepFunction code() {
    return code;
  }

  public List<Input<?>> inputs() {
    return List.copyOf(inputs);
  }

  public Set<StepDeclaration> after() {
    return Set.copyOf(after);
  }

  /** Boolean outputs that must all be true for the step to run ({@code when}, {@code onlyIf}). */
  public List<OutputRef<?>> conditions() {
    return List.copyOf(conditions);
  }

  public StepSettings settings() {
    return settings;
  }

  void addAfter(StepDeclaration upstream) {
    after.add(upstream);
  }

  void addCondition(OutputRef<?> condition) {
    if (!conditions.contains(condition)) {
      conditions.add(condition);
    }
  }

  void settings(StepSettings settings) {
    this.settings = settings;
  }
}
