package dev.skiff.sdk.internal;

import java.io.Serializable;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.Optional;

/** Reads what a serializable lambda or method reference points to. */
public final class Lambdas {
  private Lambdas() {}

  /** The serialized form of a lambda; empty when {@code fn} is an ordinary object. */
  public static Optional<SerializedLambda> serialized(Serializable fn) {
    try {
      Method writeReplace = fn.getClass().getDeclaredMethod("writeReplace");
      writeReplace.setAccessible(true);
      Object replacement = writeReplace.invoke(fn);
      return replacement instanceof SerializedLambda sl ? Optional.of(sl) : Optional.empty();
    } catch (NoSuchMethodException e) {
      return Optional.empty();
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot inspect " + fn.getClass().getName() + ": " + e, e);
    }
  }

  /** The method name a method reference names, e.g. {@code xTrain} for {@code Split::xTrain}. */
  public static Optional<String> methodName(Serializable fn) {
    return serialized(fn).map(SerializedLambda::getImplMethodName);
  }
}
