package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.internal.Json;
import dev.skiff.core.stack.ConfigBinder;
import dev.skiff.core.stack.Flavor;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * How component configurations look in the CLI: the keys of a flavor with their types, and stored
 * values (secret references as written, never resolved) next to the defaults.
 */
final class ConfigView {
  private ConfigView() {}

  /** {@code isolation (thread|process), maxParallelism (integer), …}. */
  static String keys(Flavor<?> flavor) {
    return Arrays.stream(flavor.configType().getRecordComponents())
        .map(rc -> rc.getName() + " (" + typeName(rc) + ")")
        .collect(Collectors.joining(", "));
  }

  static String typeName(RecordComponent rc) {
    Class<?> t = rc.getType();
    if (t.isEnum()) {
      return Arrays.stream(t.getEnumConstants())
          .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
          .collect(Collectors.joining("|"));
    }
    if (t == int.class
        || t == Integer.class
        || t == long.class
        || t == Long.class
        || t == short.class
        || t == Short.class) {
      return "integer";
    }
    if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
      return "number";
    }
    if (t == boolean.class || t == Boolean.class) {
      return "true|false";
    }
    if (t == String.class || t == Path.class) {
      return "text";
    }
    if (t == Duration.class) {
      return "duration";
    }
    if (List.class.isAssignableFrom(t)) {
      return "list";
    }
    if (Map.class.isAssignableFrom(t)) {
      return "map";
    }
    return t.getSimpleName();
  }

  /**
   * Each key of the flavor: the stored value, else the default marked "(default)", else "(not
   * set)".
   */
  static Map<String, String> rows(Flavor<?> flavor, ObjectNode stored) {
    Optional<JsonNode> defaults = defaults(flavor);
    Map<String, String> rows = new LinkedHashMap<>();
    for (RecordComponent rc : flavor.configType().getRecordComponents()) {
      String key = rc.getName();
      if (stored.has(key)) {
        rows.put(key, show(stored.get(key), rc));
      } else {
        JsonNode d = defaults.map(j -> j.get(key)).orElse(null);
        String shown = d == null || d.isNull() ? null : show(d, rc);
        rows.put(
            key,
            shown == null ? "(not set)" : (shown.isEmpty() ? "(empty)" : shown) + " (default)");
      }
    }
    stored
        .fieldNames()
        .forEachRemaining(
            k -> rows.putIfAbsent(k, stored.get(k).toString())); // keys of an older flavor version
    return rows;
  }

  /** {@code key=value, …} of what is stored, for one-line summaries. */
  static String compact(Flavor<?> flavor, ObjectNode stored) {
    List<String> parts = new ArrayList<>();
    Map<String, RecordComponent> components = new LinkedHashMap<>();
    if (flavor != null) {
      for (RecordComponent rc : flavor.configType().getRecordComponents()) {
        components.put(rc.getName(), rc);
      }
    }
    stored
        .fields()
        .forEachRemaining(
            f -> parts.add(f.getKey() + "=" + show(f.getValue(), components.get(f.getKey()))));
    return String.join(", ", parts);
  }

  static String show(JsonNode v, RecordComponent rc) {
    if (v.isTextual()) {
      return rc != null && rc.getType().isEnum() ? v.asText().toLowerCase(Locale.ROOT) : v.asText();
    }
    if (v.isArray()) {
      List<String> items = new ArrayList<>();
      v.forEach(i -> items.add(i.isTextual() ? i.asText() : i.toString()));
      return String.join(",", items);
    }
    if (v.isObject()) {
      List<String> items = new ArrayList<>();
      v.fields()
          .forEachRemaining(
              f ->
                  items.add(
                      f.getKey()
                          + "="
                          + (f.getValue().isTextual()
                              ? f.getValue().asText()
                              : f.getValue().toString())));
      return String.join(",", items);
    }
    return v.toString();
  }

  /** The configuration record's defaults (built from no values), when it has any. */
  private static Optional<JsonNode> defaults(Flavor<?> flavor) {
    try {
      Record empty =
          ConfigBinder.instantiate(
              flavor.configType(),
              Json.mapper().createObjectNode(),
              UnaryOperator.identity(),
              "defaults");
      return Optional.of(Json.mapper().valueToTree(empty));
    } catch (RuntimeException required) {
      return Optional.empty(); // a key is required: there are no defaults to show
    }
  }
}
