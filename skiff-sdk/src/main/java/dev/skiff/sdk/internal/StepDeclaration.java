package dev.skiff.sdk.internal;

import dev.skiff.sdk.Input;
import dev.skiff.sdk.StepFunction;
import dev.skiff.sdk.StepSettings;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** One {@code step(...)} call as the user wrote it, before validation. */
public final class StepDeclaration {
  private final PipelineRecorder owner;
  private final String name;
  private final StepFunction code;
  private final List<Input<?>> inputs;
  private final Set<StepDeclaration> after = new LinkedHashSet<>();
  private StepSettings settings = StepSettings.INHERIT;

  StepDeclaration(PipelineRecorder owner, String name, StepFunction code, List<Input<?>> inputs) {
    this.owner = owner;
    this.name = name;
    this.code = code;
    this.inputs = new ArrayList<>(inputs);
  }

  public PipelineRecorder owner() {
    return owner;
  }

  public String name() {
    return name;
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

  public StepSettings settings() {
    return settings;
  }

  void addAfter(StepDeclaration upstream) {
    after.add(upstream);
  }

  void settings(StepSettings settings) {
    this.settings = settings;
  }
}
