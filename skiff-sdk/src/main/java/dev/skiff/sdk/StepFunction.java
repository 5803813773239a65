package dev.skiff.sdk;

import java.io.Serializable;

/**
 * The code of a step: a method reference, a lambda or a class implementing one of the typed arities
 * ({@link F0} … {@link F6}). Serializable so that Skiff can see which method a method reference
 * points to (its parameter and return types, and its code for the cache key).
 */
public interface StepFunction extends Serializable {

  /** Calls the step with already-loaded arguments; used by the runtime, not by users. */
  Object invoke(Object[] args) throws Exception;

  /** A step with no inputs. */
  @FunctionalInterface
  interface F0<R> extends StepFunction {
    R apply() throws Exception;

    @Override
    default Object invoke(Object[] args) throws Exception {
      return apply();
    }
  }

  /** A step with one input. */
  @FunctionalInterface
  interface F1<A, R> extends StepFunction {
    R apply(A a) throws Exception;

    @Override
    @SuppressWarnings("unchecked")
    default Object invoke(Object[] args) throws Exception {
      return apply((A) args[0]);
    }
  }

  /** A step with two inputs. */
  @FunctionalInterface
  interface F2<A, B, R> extends StepFunction {
    R apply(A a, B b) throws Exception;

    @Override
    @SuppressWarnings("unchecked")
    default Object invoke(Object[] args) throws Exception {
      return apply((A) args[0], (B) args[1]);
    }
  }

  /** A step with three inputs. */
  @FunctionalInterface
  interface F3<A, B, C, R> extends StepFunction {
    R apply(A a, B b, C c) throws Exception;

    @Override
    @SuppressWarnings("unchecked")
    default Object invoke(Object[] args) throws Exception {
      return apply((A) args[0], (B) args[1], (C) args[2]);
    }
  }

  /** A step with four inputs. */
  @FunctionalInterface
  interface F4<A, B, C, D, R> extends StepFunction {
    R apply(A a, B b, C c, D d) throws Exception;

    @Override
    @SuppressWarnings("unchecked")
    default Object invoke(Object[] args) throws Exception {
      return apply((A) args[0], (B) args[1], (C) args[2], (D) args[3]);
    }
  }

  /** A step with five inputs. */
  @FunctionalInterface
  interface F5<A, B, C, D, E, R> extends StepFunction {
    R apply(A a, B b, C c, D d, E e) throws Exception;

    @Override
    @SuppressWarnings("unchecked")
    default Object invoke(Object[] args) throws Exception {
      return apply((A) args[0], (B) args[1], (C) args[2], (D) args[3], (E) args[4]);
    }
  }

  /** A step with six inputs. */
  @FunctionalInterface
  interface F6<A, B, C, D, E, F, R> extends StepFunction {
    R apply(A a, B b, C c, D d, E e, F f) throws Exception;

    @Override
    @SuppressWarnings("unchecked")
    default Object invoke(Object[] args) throws Exception {
      return apply((A) args[0], (B) args[1], (C) args[2], (D) args[3], (E) args[4], (F) args[5]);
    }
  }
}
