package dev.skiff.sdk;

import dev.skiff.sdk.StepFunction.F0;
import dev.skiff.sdk.StepFunction.F1;
import dev.skiff.sdk.StepFunction.F2;
import dev.skiff.sdk.StepFunction.F3;
import dev.skiff.sdk.StepFunction.F4;
import dev.skiff.sdk.StepFunction.F5;
import dev.skiff.sdk.StepFunction.F6;

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
}
