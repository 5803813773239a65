package dev.skiff.core.internal;

import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.StepFunction;
import dev.skiff.sdk.internal.Lambdas;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a step's code looks like to the runtime: the method behind a method reference, lambda or
 * step class, its argument types (generic where Java keeps them), names, return type and a hash of
 * the code.
 */
public record StepSignature(
    Class<?> implClass,
    String function,
    List<Type> parameterTypes,
    List<String> parameterNames,
    Type returnType) {

  /**
   * Inspects {@code fn}. Fails with {@link IllegalArgumentException} when it captures values other
   * than the pipeline instance: those would change results without changing the plan.
   */
  public static StepSignature of(String step, StepFunction fn) {
    Optional<SerializedLambda> lambda = Lambdas.serialized(fn);
    return lambda.isPresent() ? ofLambda(step, fn, lambda.get()) : ofClass(step, fn);
  }

  private static StepSignature ofLambda(String step, StepFunction fn, SerializedLambda sl) {
    ClassLoader loader = fn.getClass().getClassLoader();
    Class<?> implClass = load(sl.getImplClass().replace('/', '.'), loader);
    Method method = findMethod(implClass, sl.getImplMethodName(), sl.getImplMethodSignature());
    int captured = sl.getCapturedArgCount();
    boolean boundReceiver =
        sl.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic && captured == 1;
    for (int i = 0; i < captured; i++) {
      Object arg = sl.getCapturedArg(i);
      boolean receiver = i == 0 && boundReceiver;
      if (!(receiver && arg instanceof PipelineDefinition)) {
        throw new IllegalArgumentException(
            "step '"
                + step
                + "' captures a value ("
                + describe(arg)
                + "): pass it as an input with Param.of(...) so it is stored in the plan and part of the cache key");
      }
    }
    List<Type> params = new ArrayList<>();
    List<String> names = new ArrayList<>();
    boolean unboundInstance = !Modifier.isStatic(method.getModifiers()) && captured == 0;
    if (unboundInstance) {
      params.add(implClass);
      names.add("self");
    }
    Parameter[] ps = method.getParameters();
    Type[] generic = method.getGenericParameterTypes();
    int skip = Modifier.isStatic(method.getModifiers()) ? captured : 0;
    for (int i = skip; i < ps.length; i++) {
      params.add(generic.length == ps.length ? generic[i] : ps[i].getType());
      names.add(
          method.isSynthetic() || !ps[i].isNamePresent()
              ? "arg" + (params.size() - 1)
              : ps[i].getName());
    }
    String function =
        implClass.getName() + "#" + sl.getImplMethodName() + sl.getImplMethodSignature();
    return new StepSignature(implClass, function, params, names, method.getGenericReturnType());
  }

  private static StepSignature ofClass(String step, StepFunction fn) {
    Class<?> c = fn.getClass();
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      for (java.lang.reflect.Field f : k.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers())) {
          throw new IllegalArgumentException(
              "step '"
                  + step
                  + "' is an object with state (field '"
                  + f.getName()
                  + "' of "
                  + (c.getSimpleName().isEmpty() ? c.getName() : c.getSimpleName())
                  + "): pass configuration as an input with Param.of(...) so it is stored in the plan and part of the cache key");
        }
      }
    }
    Method apply =
        Arrays.stream(c.getMethods())
            .filter(m -> m.getName().equals("apply") && !m.isBridge() && !m.isSynthetic())
            .filter(m -> m.getDeclaringClass() != Object.class)
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException(c.getName() + " has no apply method"));
    List<Type> params = List.of(apply.getGenericParameterTypes());
    List<String> names = new ArrayList<>();
    for (Parameter p : apply.getParameters()) {
      names.add(p.isNamePresent() ? p.getName() : "arg" + names.size());
    }
    return new StepSignature(
        c, c.getName() + "#apply", params, names, apply.getGenericReturnType());
  }

  /** SHA-256 of the bytecode of the class holding the step code, and the method's identity. */
  public String codeHash() {
    return Hashing.sha256(CLASS_HASHES.get(implClass) + "\n" + function);
  }

  /** Class bytes never change within a JVM, so each class is read and hashed once. */
  private static final ClassValue<String> CLASS_HASHES =
      new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
          String resource = type.getName().replace('.', '/') + ".class";
          ClassLoader loader =
              type.getClassLoader() == null
                  ? ClassLoader.getSystemClassLoader()
                  : type.getClassLoader();
          try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
              throw new IllegalStateException(
                  "cannot read the bytecode of " + type.getName() + " to hash it");
            }
            return Hashing.sha256(in.readAllBytes());
          } catch (IOException e) {
            throw new IllegalStateException(
                "cannot read the bytecode of " + type.getName() + ": " + e.getMessage(), e);
          }
        }
      };

  private static Class<?> load(String name, ClassLoader loader) {
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("step code class " + name + " not found", e);
    }
  }

  private static Method findMethod(Class<?> c, String name, String descriptor) {
    for (Method m : c.getDeclaredMethods()) {
      if (m.getName().equals(name) && descriptor(m).equals(descriptor)) {
        return m;
      }
    }
    throw new IllegalStateException(
        "method " + c.getName() + "#" + name + descriptor + " not found");
  }

  private static String descriptor(Method m) {
    StringBuilder sb = new StringBuilder("(");
    for (Class<?> p : m.getParameterTypes()) {
      sb.append(p.descriptorString());
    }
    return sb.append(')').append(m.getReturnType().descriptorString()).toString();
  }

  private static String describe(Object arg) {
    return arg == null ? "null" : arg.getClass().getSimpleName();
  }
}
