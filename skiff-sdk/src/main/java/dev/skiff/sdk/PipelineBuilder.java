package dev.skiff.sdk;

import dev.skiff.sdk.StepFunction.F0;
import dev.skiff.sdk.StepFunction.F1;
import dev.skiff.sdk.StepFunction.F2;
import dev.skiff.sdk.StepFunction.F3;
import dev.skiff.sdk.StepFunction.F4;
import dev.skiff.sdk.StepFunction.F5;
import dev.skiff.sdk.StepFunction.F6;
import java.util.List;

/**
 * Declares steps and wires them. Each {@code step} call names a step, gives its code and its
 * inputs; the Java compiler checks that each input's type matches the parameter it feeds. Names
 * must be unique within a pipeline and match {@code [A-Za-z][A-Za-z0-9_-]*}.
 */
public interface PipelineBuilder {

  <R> Out<R> step(String name, F0<R> code);

  <A, R> Out<R> step(String name, F1<A, R> code, Input<A> a);

  <A, B, R> Out<R> step(String name, F2<A, B, R> code, Input<A> a, Input<B> b);

  <A, B, C, R> Out<R> step(String name, F3<A, B, C, R> code, Input<A> a, Input<B> b, Input<C> c);

  <A, B, C, D, R> Out<R> step(
      String name, F4<A, B, C, D, R> code, Input<A> a, Input<B> b, Input<C> c, Input<D> d);

  <A, B, C, D, E, R> Out<R> step(
      String name,
      F5<A, B, C, D, E, R> code,
      Input<A> a,
      Input<B> b,
      Input<C> c,
      Input<D> d,
      Input<E> e);

  <A, B, C, D, E, F, R> Out<R> step(
      String name,
      F6<A, B, C, D, E, F, R> code,
      Input<A> a,
      Input<B> b,
      Input<C> c,
      Input<D> d,
      Input<E> e,
      Input<F> f);

  /**
   * Makes {@code step} run after {@code upstream} without passing data, e.g. a step that reads what
   * another one wrote elsewhere.
   */
  void after(Out<?> step, Out<?> upstream);

  // ---- map over a list known only at run time

  /**
   * Runs {@code code} once per element of {@code items}, a list known only when its step has run:
   * one instance per element, named {@code name[0]}, {@code name[1]}, …, each in its own thread,
   * process or pod, cached, retried and resumed on its own. At most {@code configure(s ->
   * s.maxParallelism(n))} instances run at once. The result is the instances' outputs in the order
   * of the items, for a later step or another map; an empty list gives an empty result.
   */
  <T, R> Out<List<R>> map(String name, F1<T, R> code, Out<? extends List<T>> items);

  /** {@link #map(String, F1, Out)} with one more input, the same for every instance. */
  <T, B, R> Out<List<R>> map(
      String name, F2<T, B, R> code, Out<? extends List<T>> items, Input<B> b);

  <T, B, C, R> Out<List<R>> map(
      String name, F3<T, B, C, R> code, Out<? extends List<T>> items, Input<B> b, Input<C> c);

  <T, B, C, D, R> Out<List<R>> map(
      String name,
      F4<T, B, C, D, R> code,
      Out<? extends List<T>> items,
      Input<B> b,
      Input<C> c,
      Input<D> d);

  <T, B, C, D, E, R> Out<List<R>> map(
      String name,
      F5<T, B, C, D, E, R> code,
      Out<? extends List<T>> items,
      Input<B> b,
      Input<C> c,
      Input<D> d,
      Input<E> e);

  <T, B, C, D, E, F, R> Out<List<R>> map(
      String name,
      F6<T, B, C, D, E, F, R> code,
      Out<? extends List<T>> items,
      Input<B> b,
      Input<C> c,
      Input<D> d,
      Input<E> e,
      Input<F> f);

  // ---- conditions

  /**
   * Every step declared while {@code group} runs (inside {@code define}) runs only if {@code
   * condition} is true; otherwise it is {@code SKIPPED} with the reason "condition false", and so
   * is every step that needs its outputs. Groups nest: all their conditions must hold.
   */
  void when(Out<Boolean> condition, Runnable group);

  // ---- hooks: run once every other step has ended

  /** A step that runs when the run failed, with its summary; its failure is only reported. */
  <R> Out<R> onFailure(String name, F1<RunSummary, R> code);

  /** {@link #onFailure(String, F1)} with a parameter, e.g. where to post. */
  <A, R> Out<R> onFailure(String name, F2<RunSummary, A, R> code, Param<A> a);

  /** A step that runs when the run succeeded, with its summary; its failure is only reported. */
  <R> Out<R> onSuccess(String name, F1<RunSummary, R> code);

  <A, R> Out<R> onSuccess(String name, F2<RunSummary, A, R> code, Param<A> a);

  /** A step that runs after every other step, whether the run succeeded or failed. */
  <R> Out<R> always(String name, F1<RunSummary, R> code);

  <A, R> Out<R> always(String name, F2<RunSummary, A, R> code, Param<A> a);
}
