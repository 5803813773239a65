package dev.skiff.sdk;

import java.util.Arrays;
import java.util.List;

/** Inputs made of several step outputs. */
public final class Inputs {
  private Inputs() {}

  /**
   * Fan-in: the outputs of any number of steps as one list input, in the order given, e.g. {@code
   * p.step("best", Steps::best, Inputs.all(scores))}. Its cache key covers the content of every
   * element; an empty list is allowed.
   */
  public static <T> Input<List<T>> all(List<? extends Out<? extends T>> outputs) {
    return new FanIn<>(outputs);
  }

  /** Fan-in of the outputs given, in this order: {@code Inputs.all(a, b, c)}. */
  @SafeVarargs
  public static <T> Input<List<T>> all(Out<? extends T>... outputs) {
    return new FanIn<>(Arrays.asList(outputs));
  }
}
