package dev.skiff.core.stack;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.internal.Json;
import dev.skiff.core.internal.Types;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Binds {@code key=value} strings and settings maps to configuration records: keys may be written
 * camelCase, snake_case or kebab-case; values parse to the component's type (numbers, booleans,
 * enums, durations such as {@code 30s}, lists as {@code a,b}, maps as {@code k=v,k2=v2}, or JSON);
 * unknown keys fail with the closest valid key. String values may be secret references {@code
 * {{secret.NAME.KEY}}}, kept verbatim in stored configuration.
 */
public final class ConfigBinder {
  /** A secret reference: {@code {{secret.NAME.KEY}}}. */
  public static final Pattern SECRET_REF =
      Pattern.compile("\\{\\{\\s*secret\\.([A-Za-z0-9_-]+)\\.([A-Za-z0-9_.-]+)\\s*}}");

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ConfigBinder() {}

  /**
   * Typed JSON for {@code raw} values, on top of {@code base} (an earlier configuration, or an
   * empty object). {@code what} names the target in messages, e.g. "orchestrator flavor 'local'".
   */
  public static ObjectNode bind(
      Class<? extends Record> type, Map<String, String> raw, ObjectNode base, String what) {
    ObjectNode out = base == null ? NODES.objectNode() : base.deepCopy();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      RecordComponent rc = component(type, e.getKey(), what);
      out.set(
          rc.getName(),
          checked(
              rc.getGenericType(),
              parse(rc.getName(), rc.getGenericType(), e.getValue(), what),
              what,
              rc.getName()));
    }
    return out;
  }

  /**
   * Normalizes a settings value (a record, a map, or JSON) to JSON with canonical keys, checking
   * each key against {@code type}, and the keys of nested objects against their types (nested
   * records, and bean types such as Kubernetes model objects), so a typo at any depth is refused
   * with the closest valid key.
   */
  public static ObjectNode normalize(Class<? extends Record> type, Object value, String what) {
    JsonNode json = value instanceof JsonNode j ? j : Json.mapper().valueToTree(value);
    if (!(json instanceof ObjectNode obj)) {
      throw new ConfigException(
          what
              + " must be an object of settings (a record or a map), got "
              + json.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    return normalizeRecord(type, obj, what, "");
  }

  private static ObjectNode normalizeRecord(
      Class<? extends Record> type, ObjectNode obj, String what, String path) {
    String at = path.isEmpty() ? what : what + " (" + path + ")";
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<String, JsonNode> field : obj.properties()) {
      if (field.getValue().isNull()) {
        continue; // unset record components: inherit
      }
      RecordComponent rc = component(type, field.getKey(), at);
      JsonNode v = field.getValue();
      if (v.isTextual() && !isTextType(rc.getGenericType())) {
        v = parse(rc.getName(), rc.getGenericType(), v.asText(), at);
      }
      out.set(
          rc.getName(),
          checked(
              rc.getGenericType(),
              v,
              what,
              path.isEmpty() ? rc.getName() : path + "." + rc.getName()));
    }
    return out;
  }

  /**
   * Keys of nested objects checked against their types: records, maps of them, lists of them,
   * beans.
   */
  private static JsonNode checked(Type type, JsonNode v, String what, String path) {
    return checked(Json.mapper().constructType(type), v, what, path);
  }

  @SuppressWarnings("unchecked")
  private static JsonNode checked(JavaType type, JsonNode v, String what, String path) {
    Class<?> raw = type.getRawClass();
    if (v instanceof ObjectNode obj) {
      if (raw.isRecord()) {
        return normalizeRecord((Class<? extends Record>) raw, obj, what, path);
      }
      if (type.isMapLikeType()) {
        ObjectNode out = NODES.objectNode();
        obj.properties()
            .forEach(
                e ->
                    out.set(
                        e.getKey(),
                        checked(
                            type.getContentType(), e.getValue(), what, path + "." + e.getKey())));
        return out;
      }
      Map<String, JavaType> properties = beanProperties(type);
      if (!properties.isEmpty()) {
        String at = what + " (" + path + ")";
        for (Map.Entry<String, JsonNode> e : obj.properties()) {
          JavaType property = properties.get(e.getKey());
          if (property == null) {
            throw unknownKey(e.getKey(), List.copyOf(properties.keySet()), at);
          }
          checked(property, e.getValue(), what, path + "." + e.getKey());
        }
      }
      return v;
    }
    if (v instanceof com.fasterxml.jackson.databind.node.ArrayNode arr
        && (type.isCollectionLikeType() || type.isArrayType())) {
      var out = NODES.arrayNode();
      for (int i = 0; i < arr.size(); i++) {
        out.add(checked(type.getContentType(), arr.get(i), what, path + "[" + i + "]"));
      }
      return out;
    }
    return v;
  }

  /**
   * The JSON properties of a bean type (e.g. a Kubernetes model object) and their types; empty for
   * JDK types, JSON trees, enums, interfaces and types with their own deserializer, whose keys are
   * not checked.
   */
  static Map<String, JavaType> beanProperties(JavaType type) {
    Class<?> raw = type.getRawClass();
    if (raw.isPrimitive()
        || raw.isEnum()
        || raw.isInterface()
        || raw.isArray()
        || raw == Object.class
        || JsonNode.class.isAssignableFrom(raw)
        || raw.getName().startsWith("java.")
        || java.lang.reflect.Modifier.isAbstract(raw.getModifiers())) {
      return Map.of();
    }
    var config = Json.mapper().getDeserializationConfig();
    BeanDescription bean = config.introspect(type);
    if (config.getAnnotationIntrospector().findDeserializer(bean.getClassInfo()) != null) {
      return Map.of();
    }
    Map<String, JavaType> out = new java.util.TreeMap<>();
    for (BeanPropertyDefinition p : bean.findProperties()) {
      if (p.couldDeserialize()) {
        out.put(p.getName(), p.getPrimaryType());
      }
    }
    return out;
  }

  /**
   * Builds the record from JSON, running its validation, after replacing secret references with
   * {@code secrets}. Errors are {@link ConfigException}s with the record's own message.
   */
  public static <C extends Record> C instantiate(
      Class<C> type, ObjectNode json, UnaryOperator<String> secrets, String what) {
    ObjectNode resolved = resolveSecrets(json, secrets);
    try {
      return Json.mapper().treeToValue(withDefaults(type, resolved), type);
    } catch (IOException | IllegalArgumentException e) {
      Throwable root = rootCause(e);
      String reason =
          root instanceof IllegalArgumentException || root instanceof NullPointerException
              ? root.getMessage()
              : firstLine(e.getMessage()) + where(e);
      throw new ConfigException("invalid configuration for " + what + ": " + reason, e);
    }
  }

  /** The record component name a user's key stands for (any spelling), or the unknown-key error. */
  public static String canonicalKey(Class<? extends Record> type, String key, String what) {
    return component(type, key, what).getName();
  }

  /** Keys users may set: the record's component names. */
  public static List<String> keys(Class<? extends Record> type) {
    return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
  }

  /** Replaces every secret reference in string values (recursively). */
  public static ObjectNode resolveSecrets(ObjectNode json, UnaryOperator<String> secrets) {
    ObjectNode copy = json.deepCopy();
    resolveIn(copy, secrets);
    return copy;
  }

  /**
   * {@code text} with every secret reference replaced by {@code secrets} (given {@code NAME.KEY}).
   */
  public static String resolveSecrets(String text, UnaryOperator<String> secrets) {
    return text == null ? null : replaceRefs(text, secrets);
  }

  /** Names of the secrets a configuration refers to. */
  public static List<String> secretReferences(JsonNode json) {
    List<String> refs = new ArrayList<>();
    collectRefs(json, refs);
    return refs;
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.isTextual()) {
      Matcher m = SECRET_REF.matcher(node.asText());
      while (m.find()) {
        refs.add(m.group(1) + "." + m.group(2));
      }
    } else {
      node.forEach(child -> collectRefs(child, refs));
    }
  }

  private static void resolveIn(JsonNode node, UnaryOperator<String> secrets) {
    if (node instanceof ObjectNode obj) {
      for (Map.Entry<String, JsonNode> f : obj.properties()) {
        if (f.getValue().isTextual()) {
          obj.put(f.getKey(), replaceRefs(f.getValue().asText(), secrets));
        } else {
          resolveIn(f.getValue(), secrets);
        }
      }
    } else if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode arr) {
      for (int i = 0; i < arr.size(); i++) {
        if (arr.get(i).isTextual()) {
          arr.set(i, NODES.textNode(replaceRefs(arr.get(i).asText(), secrets)));
        } else {
          resolveIn(arr.get(i), secrets);
        }
      }
    }
  }

  private static String replaceRefs(String text, UnaryOperator<String> secrets) {
    Matcher m = SECRET_REF.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(
          sb, Matcher.quoteReplacement(secrets.apply(m.group(1) + "." + m.group(2))));
    }
    return m.appendTail(sb).toString();
  }

  /**
   * Record components missing from JSON get Java defaults (0, false, null) or empty collections.
   */
  private static ObjectNode withDefaults(Class<? extends Record> type, ObjectNode json) {
    ObjectNode out = json.deepCopy();
    for (RecordComponent rc : type.getRecordComponents()) {
      if (!out.has(rc.getName())) {
        Class<?> raw = rc.getType();
        if (List.class.isAssignableFrom(raw)) {
          out.set(rc.getName(), NODES.arrayNode());
        } else if (Map.class.isAssignableFrom(raw)) {
          out.set(rc.getName(), NODES.objectNode());
        }
      }
    }
    return out;
  }

  private static RecordComponent component(Class<? extends Record> type, String key, String what) {
    String wanted = canonical(key);
    for (RecordComponent rc : type.getRecordComponents()) {
      if (canonical(rc.getName()).equals(wanted)) {
        return rc;
      }
    }
    throw unknownKey(key, keys(type), what);
  }

  /** The one-line error for a key that is not one of {@code keys}, naming the closest. */
  static ConfigException unknownKey(String key, List<String> keys, String what) {
    return new ConfigException(
        "unknown key '"
            + key
            + "' for "
            + what
            + closest(key, keys).map(k -> ": did you mean '" + k + "'?").orElse("")
            + " (valid keys: "
            + String.join(", ", keys)
            + ")");
  }

  /**
   * The name in {@code names} closest to {@code key} (in any spelling), if close enough to be a
   * typo.
   */
  public static Optional<String> closest(String key, List<String> names) {
    String wanted = canonical(key);
    return names.stream()
        .min(Comparator.comparingInt(k -> distance(canonical(k), wanted)))
        .filter(k -> distance(canonical(k), wanted) <= Math.max(2, wanted.length() / 3));
  }

  static JsonNode parse(String key, Type type, String value, String what) {
    Class<?> raw = Types.boxed(Types.raw(type));
    String v = value.trim();
    try {
      if (SECRET_REF.matcher(v).find() && isTextType(type)) {
        return NODES.textNode(v);
      }
      if (raw == String.class || raw == Path.class) {
        return NODES.textNode(value);
      }
      if (raw == Integer.class || raw == Long.class || raw == Short.class) {
        return NODES.numberNode(Long.parseLong(v));
      }
      if (raw == Double.class || raw == Float.class) {
        return NODES.numberNode(Double.parseDouble(v));
      }
      if (raw == Boolean.class) {
        return NODES.booleanNode(parseBoolean(v));
      }
      if (raw == Duration.class) {
        return NODES.textNode(parseDuration(v).toString());
      }
      if (raw.isEnum()) {
        return NODES.textNode(enumConstant(raw, v));
      }
      if (v.startsWith("{") || v.startsWith("[")) {
        return Json.mapper().readTree(v);
      }
      if (List.class.isAssignableFrom(raw)) {
        Type item =
            type instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : String.class;
        var arr = NODES.arrayNode();
        if (!v.isEmpty()) {
          for (String part : v.split(",")) {
            arr.add(parse(key, item, part.trim(), what));
          }
        }
        return arr;
      }
      if (Map.class.isAssignableFrom(raw)) {
        ObjectNode obj = NODES.objectNode();
        if (!v.isEmpty()) {
          for (String pair : v.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
              throw new IllegalArgumentException("expects entries like k1=v1,k2=v2");
            }
            obj.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
          }
        }
        return obj;
      }
      return Json.mapper().readTree(v);
    } catch (NumberFormatException e) {
      throw new ConfigException(
          "key '"
              + key
              + "' of "
              + what
              + " expects a "
              + (raw == Double.class || raw == Float.class ? "number" : "whole number")
              + ", got '"
              + value
              + "'");
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException(
          "key '"
              + key
              + "' of "
              + what
              + " "
              + (e instanceof IOException ? "expects JSON" : e.getMessage())
              + ", got '"
              + value
              + "'");
    }
  }

  private static boolean isTextType(Type type) {
    Class<?> raw = Types.raw(type);
    return raw == String.class || raw == Path.class;
  }

  private static boolean parseBoolean(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new IllegalArgumentException("expects true or false");
    };
  }

  /**
   * {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, or ISO-8601 such as {@code
   * PT30S}.
   */
  public static Duration parseDuration(String v) {
    if (v.toUpperCase(Locale.ROOT).startsWith("P")) {
      return Duration.parse(v.toUpperCase(Locale.ROOT));
    }
    Matcher m = DURATION.matcher(v.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("expects a duration such as 500ms, 30s, 5m, 2h or PT30S");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  private static String enumConstant(Class<?> type, String v) {
    for (Object c : type.getEnumConstants()) {
      if (((Enum<?>) c).name().equalsIgnoreCase(v.replace('-', '_'))) {
        return ((Enum<?>) c).name();
      }
    }
    throw new IllegalArgumentException(
        "expects one of "
            + Arrays.stream(type.getEnumConstants())
                .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")));
  }

  /** camelCase, snake_case and kebab-case spell the same key. */
  static String canonical(String key) {
    return key.replaceAll("[_\\-\\s]", "").toLowerCase(Locale.ROOT);
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        cur[j] =
            Math.min(
                Math.min(cur[j - 1] + 1, prev[j] + 1),
                prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
      if (c instanceof InvocationTargetException ite && ite.getCause() != null) {
        c = ite.getCause();
      }
    }
    return c;
  }

  /** Where in the value a value of the wrong type is (Jackson says it on a later line). */
  private static String where(Exception e) {
    if (!(e instanceof com.fasterxml.jackson.databind.JsonMappingException m)
        || m.getPath().isEmpty()) {
      return "";
    }
    StringBuilder path = new StringBuilder();
    for (var ref : m.getPath()) {
      if (ref.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return " (at " + path + ")";
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
