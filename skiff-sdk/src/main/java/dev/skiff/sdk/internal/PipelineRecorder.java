package dev.skiff.sdk.internal;

import dev.skiff.sdk.Input;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.RunSummary;
import dev.skiff.sdk.StepFunction;
import dev.skiff.sdk.StepFunction.F0;
import dev.skiff.sdk.StepFunction.F1;
import dev.skiff.sdk.StepFunction.F2;
import dev.skiff.sdk.StepFunction.F3;
import dev.skiff.sdk.StepFunction.F4;
import dev.skiff.sdk.StepFunction.F5;
import dev.skiff.sdk.StepFunction.F6;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * Records the {@code step} calls of {@link PipelineDefinition#define}. It does not validate: the
 * plan compiler reports every wiring error with one message.
 */
public final class PipelineRecorder implements PipelineBuilder {
  private final List<StepDeclaration> steps = new ArrayList<>();
  private final Deque<OutputRef<?>> conditions = new ArrayDeque<>();

  /** Runs {@code define} and returns what it declared. */
  public static PipelineRecorder record(PipelineDefinition definition) {
    PipelineRecorder recorder = new PipelineRecorder();
    definition.define(recorder);
    return recorder;
  }

  public List<StepDeclaration> steps() {
    return List.copyOf(steps);
  }

  private <R> Out<R> add(String name, StepFunction code, Input<?>... inputs) {
    return add(StepDeclaration.Kind.STEP, name, code, inputs);
  }

  private <R> Out<R> add(
      StepDeclaration.Kind kind, String name, StepFunction code, Input<?>... inputs) {
    Objects.requireNonNull(code, () -> "code of step " + name);
    for (int i = 0; i < inputs.length; i++) {
      if (inputs[i] == null) {
        throw new IllegalArgumentException("input " + (i + 1) + " of step '" + name + "' is null");
      }
    }
    StepDeclaration d = new StepDeclaration(this, name, kind, code, List.of(inputs));
    conditions.forEach(d::addCondition);
    steps.add(d);
    return new OutputRef<>(d, null);
  }

  @Override
  public <R> Out<R> step(String name, F0<R> code) {
    return add(name, code);
  }

  @Override
  public <A, R> Out<R> step(String name, F1<A, R> code, Input<A> a) {
    return add(name, code, a);
  }

  @Override
  public <A, B, R> Out<R> step(String name, F2<A, B, R> code, Input<A> a, Input<B> b) {
    return add(name, code, a, b);
  }

  @Override
  public <A, B, C, R> Out<R> step(
      String name, F3<A, B, C, R> code, Input<A> a, Input<B> b, Input<C> c) {
    return add(name, code, a, b, c);
  }

  @Override
  public <A, B, C, D, R> Out<R> step(
      String name, F4<A, B, C, D, R> code, Input<A> a, Input<B> b, Input<C> c, Input<D> d) {
    return add(name, code, a, b, c, d);
  }

  @Override
  public <A, B, C, D, E, R> Out<R> step(
      String name,
      F5<A, B, C, D, E, R> code,
      Input<A> a,
      Input<B> b,
      Input<C> c,
      Input<D> d,
      Input<E> e) {
    return add(name, code, a, b, c, d, e);
  }

  @Override
  public <A, B, C, D, E, F, R> Out<R> step(
      String name,
      F6<A, B, C, D, E, F, R> code,
      Input<A> a,
      Input<B> b,
      Input<C> c,
      Input<D> d,
      Input<E> e,
      Input<F> f) {
    return add(name, code, a, b, c, d, e, f);
  }

  @Override
  public void after(Out<?> step, Out<?> upstream) {
    ((OutputRef<?>) step).declaration().addAfter(((OutputRef<?>) upstream).declaration());
  }

  @Override
  public <T, R> Out<List<R>> map(String name, F1<T, R> code, Out<? extends List<T>> items) {
    return add(StepDeclaration.Kind.MAP, name, code, items);
  }

  @Override
  public <T, B, R> Out<List<R>> map(
      String name, F2<T, B, R> code, Out<? extends List<T>> items, Input<B> b) {
    return add(StepDeclaration.Kind.MAP, name, code, items, b);
  }

  @Override
  public <T, B, C, R> Out<List<R>> map(
      String name, F3<T, B, C, R> code, Out<? extends List<T>> items, Input<B> b, Input<C> c) {
    return add(StepDeclaration.Kind.MAP, name, code, items, b, c);
  }

  @Override
  public <T, B, C, D, R> Out<List<R>> map(
      String name,
      F4<T, B, C, D, R> code,
      Out<? extends List<T>> items,
      Input<B> b,
      Input<C> c,
      Input<D> d) {
    return add(StepDeclaration.Kind.MAP, name, code, items, b, c, d);
  }

  @Override
  public <T, B, C, D, E, R> Out<List<R>> map(
      String name,
      F5<T, B, C, D, E, R> code,
      Out<? extends List<T>> items,
      Input<B> b,
      Input<C> c,
      Input<D> d,
      Input<E> e) {
    return add(StepDeclaration.Kind.MAP, name, code, items, b, c, d, e);
  }

  @Override
  public <T, B, C, D, E, F, R> Out<List<R>> map(
      String name,
      F6<T, B, C, D, E, F, R> code,
      Out<? extends List<T>> items,
      Input<B> b,
      Input<C> c,
      Input<D> d,
      Input<E> e,
      Input<F> f) {
    return add(StepDeclaration.Kind.MAP, name, code, items, b, c, d, e, f);
  }

  @Override
  public void when(Out<Boolean> condition, Runnable group) {
    if (condition == null) {
      throw new IllegalArgumentException("the condition of when(...) is null");
    }
    conditions.addLast((OutputRef<?>) condition);
    try {
      group.run();
    } finally {
      conditions.removeLast();
    }
  }

  @Override
  public <R> Out<R> onFailure(String name, F1<RunSummary, R> code) {
    return add(StepDeclaration.Kind.ON_FAILURE, name, code, RunSummaryInput.INSTANCE);
  }

  @Override
  public <A, R> Out<R> onFailure(String name, F2<RunSummary, A, R> code, Param<A> a) {
    return add(StepDeclaration.Kind.ON_FAILURE, name, code, RunSummaryInput.INSTANCE, a);
  }

  @Override
  public <R> Out<R> onSuccess(String name, F1<RunSummary, R> code) {
    return add(StepDeclaration.Kind.ON_SUCCESS, name, code, RunSummaryInput.INSTANCE);
  }

  @Override
  public <A, R> Out<R> onSuccess(String name, F2<RunSummary, A, R> code, Param<A> a) {
    return add(StepDeclaration.Kind.ON_SUCCESS, name, code, RunSummaryInput.INSTANCE, a);
  }

  @Override
  public <R> Out<R> always(String name, F1<RunSummary, R> code) {
    return add(StepDeclaration.Kind.ALWAYS, name, code, RunSummaryInput.INSTANCE);
  }

  @Override
  public <A, R> Out<R> always(String name, F2<RunSummary, A, R> code, Param<A> a) {
    return add(StepDeclaration.Kind.ALWAYS, name, code, RunSummaryInput.INSTANCE, a);
  }
}
