package dev.skiff.core.internal;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.Map;

/** Assignability of generic types, as far as the plan compiler can check it. */
public final class Types {
  private static final Map<Class<?>, Class<?>> BOXES =
      Map.of(
          int.class, Integer.class,
          long.class, Long.class,
          double.class, Double.class,
          float.class, Float.class,
          boolean.class, Boolean.class,
          short.class, Short.class,
          byte.class, Byte.class,
          char.class, Character.class,
          void.class, Void.class);

  private Types() {}

  public static Class<?> raw(Type t) {
    if (t instanceof Class<?> c) {
      return c;
    }
    if (t instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    if (t instanceof GenericArrayType g) {
      return java.lang.reflect.Array.newInstance(raw(g.getGenericComponentType()), 0).getClass();
    }
    if (t instanceof WildcardType w) {
      return raw(w.getUpperBounds()[0]);
    }
    if (t instanceof TypeVariable<?> v) {
      return raw(v.getBounds()[0]);
    }
    return Object.class;
  }

  public static Class<?> boxed(Class<?> c) {
    return BOXES.getOrDefault(c, c);
  }

  /**
   * Whether a value of type {@code from} may be passed where {@code to} is expected: raw classes
   * must be assignable (boxing allowed) and type arguments, where both sides have them, equal.
   */
  public static boolean assignable(Type to, Type from) {
    if (!boxed(raw(to)).isAssignableFrom(boxed(raw(from)))) {
      return false;
    }
    if (to instanceof ParameterizedType pt
        && from instanceof ParameterizedType pf
        && raw(to) == raw(from)) {
      Type[] a = pt.getActualTypeArguments();
      Type[] b = pf.getActualTypeArguments();
      for (int i = 0; i < a.length; i++) {
        if (a[i] instanceof Class<?> && b[i] instanceof Class<?> && !a[i].equals(b[i])) {
          return false;
        }
      }
    }
    return true;
  }

  /** Short readable name, e.g. {@code Matrix} or {@code List<Integer>}. */
  public static String simpleName(Type t) {
    return t.getTypeName().replaceAll("([a-z0-9_]+\\.)+", "").replaceAll("\\$", ".");
  }

  /** {@code List<element>} as a type, e.g. the result of a map. */
  public static ParameterizedType listOf(Type element) {
    Type boxed = element instanceof Class<?> c ? boxed(c) : element;
    return new ParameterizedType() {
      @Override
      public Type[] getActualTypeArguments() {
        return new Type[] {boxed};
      }

      @Override
      public Type getRawType() {
        return java.util.List.class;
      }

      @Override
      public Type getOwnerType() {
        return null;
      }

      @Override
      public String getTypeName() {
        return "java.util.List<" + boxed.getTypeName() + ">";
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof ParameterizedType p
            && p.getRawType() == java.util.List.class
            && p.getOwnerType() == null
            && java.util.Arrays.equals(p.getActualTypeArguments(), getActualTypeArguments());
      }

      @Override
      public int hashCode() {
        return java.util.Arrays.hashCode(getActualTypeArguments())
            ^ java.util.List.class.hashCode();
      }

      @Override
      public String toString() {
        return getTypeName();
      }
    };
  }

  /**
   * The element type of a list type: {@code X} for {@code List<X>} (or any parameterized
   * collection), {@code Object} when unknown.
   */
  public static Type elementOf(Type listType) {
    if (listType instanceof ParameterizedType p && p.getActualTypeArguments().length == 1) {
      Type arg = p.getActualTypeArguments()[0];
      if (arg instanceof WildcardType w) {
        return w.getUpperBounds()[0];
      }
      return arg;
    }
    return Object.class;
  }
}
