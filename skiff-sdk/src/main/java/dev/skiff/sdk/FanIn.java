package dev.skiff.sdk;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What {@link Inputs#all} gives: step outputs passed together to one step as one list. */
public final class FanIn<T> implements Input<List<T>> {
  private final List<Out<?>> sources;

  FanIn(List<? extends Out<? extends T>> sources) {
    Objects.requireNonNull(sources, "outputs");
    List<Out<?>> copy = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      if (sources.get(i) == null) {
        throw new IllegalArgumentException("element " + i + " of Inputs.all(...) is null");
      }
      copy.add(sources.get(i));
    }
    this.sources = List.copyOf(copy);
  }

  /** The outputs, in the order given. */
  public List<Out<?>> sources() {
    return sources;
  }

  @Override
  public String toString() {
    return "Inputs.all" + sources;
  }
}
