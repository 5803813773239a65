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
}
