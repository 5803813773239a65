package dev.skiff.cli.internal;

import java.util.Map;

/** Resolves the type names stored with artifacts (e.g. {@code int[]}) to classes when possible. */
final class JavaTypes {
  private static final Map<String, Class<?>> PRIMITIVES =
      Map.of(
          "int",
          int.class,
          "long",
          long.class,
          "double",
          double.class,
          "float",
          float.class,
          "boolean",
          boolean.class,
          "short",
          short.class,
          "byte",
          byte.class,
          "char",
          char.class);

  private JavaTypes() {}

  /** The class, or null when it is generic or not on this class path. */
  static Class<?> resolve(String name) {
    if (name == null || name.contains("<")) {
      return null;
    }
    if (name.endsWith("[]")) {
      Class<?> component = resolve(name.substring(0, name.length() - 2));
      return component == null ? null : component.arrayType();
    }
    Class<?> p = PRIMITIVES.get(name);
    if (p != null) {
      return p;
    }
    try {
      return Class.forName(name, false, JavaTypes.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      return null;
    }
  }
}
