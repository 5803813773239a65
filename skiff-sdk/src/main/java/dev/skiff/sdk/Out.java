package dev.skiff.sdk;

import java.util.function.Consumer;

/**
 * The output of a step, to pass to downstream steps. When the step returns a record, each record
 * component is a separate named artifact: pick one with {@link #get(Component)}, or pass the whole
 * output to receive the record rebuilt from its components.
 */
public interface Out<T> extends Input<T> {

  /** Name of the step that produces this output. */
  String step();

  /** Output name: {@code output} for a single output, the component name for a record part. */
  String name();

  /** One component of a record output, e.g. {@code data.get(Split::xTrain)}. */
  <C> Out<C> get(Component<T, C> component);

  /**
   * Changes the settings of the step that produces this output (retries, timeout, caching). Returns
   * this output for chaining.
   */
  Out<T> configure(Consumer<StepSettings.Builder> settings);

  /**
   * Runs the step that produces this output only if {@code condition} is true when the step is
   * ready; otherwise it is {@code SKIPPED} ("condition false"), and so is every step that needs its
   * outputs, while the run can still succeed. Several conditions must all hold (see also {@link
   * PipelineBuilder#when}). Returns this output for chaining.
   */
  Out<T> onlyIf(Out<Boolean> condition);
}
