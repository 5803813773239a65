package dev.skiff.core.stack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.internal.Json;
import dev.skiff.sdk.PipelineSettings;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Settings given as {@code KEY=VALUE} on the command line ({@code skiff run --set}, and the options
 * that are shorthands for it), applied at pipeline level over the settings in the pipeline's code.
 * A key is either a pipeline key ({@link #PIPELINE_KEYS}) or a path into a component flavor's
 * settings record, {@code <component>.<flavor>.<field>[.<nested>...]}, e.g. {@code
 * orchestrator.kubernetes.podSettings.nodeSelector.disk}; once the path reaches a map field (such
 * as {@code nodeSelector}) the rest of the key is one map key. The value is JSON when it parses as
 * JSON (numbers, booleans, objects, arrays, quoted strings), else text, then typed as settings
 * values are ({@code process}, {@code 30s}, {@code a,b}). Keys are checked against the installed
 * flavors when parsed: a typo at any depth is an error naming the closest key. The {@link
 * SettingsResolver} applies them.
 */
public final class SettingOverrides {
  /** Keys of {@link PipelineSettings} that may be set. */
  public static final List<String> PIPELINE_KEYS =
      List.of("enableCache", "failFast", "maxParallelism", "stepTimeout");

  public static final SettingOverrides NONE = new SettingOverrides(List.of(), Map.of());

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /**
   * One {@code KEY=VALUE}, and the option that gave it ({@code --set}, or a shorthand such as
   * {@code --isolation}).
   */
  public record Assignment(String option, String text) {
    public static Assignment set(String text) {
      return new Assignment("--set", text);
    }
  }

  /**
   * A component setting: its flavor's settings key, the path of field names (empty: the whole
   * settings object) and the checked value.
   */
  record Entry(String option, String settingsKey, List<String> path, JsonNode value) {}

  private final List<Entry> entries;
  private final Map<String, JsonNode> pipeline;

  private SettingOverrides(List<Entry> entries, Map<String, JsonNode> pipeline) {
    this.entries = List.copyOf(entries);
    this.pipeline = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pipeline));
  }

  /**
   * Parses and checks {@code assignments} against {@code flavors}; later ones win over earlier
   * ones.
   */
  public static SettingOverrides parse(Flavors flavors, List<Assignment> assignments) {
    List<Entry> entries = new ArrayList<>();
    Map<String, JsonNode> pipeline = new LinkedHashMap<>();
    for (Assignment a : assignments) {
      int eq = a.text().indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(
            a.option()
                + " expects KEY=VALUE such as orchestrator.local.maxParallelism=2, got '"
                + a.text()
                + "'");
      }
      String key = a.text().substring(0, eq).trim();
      String value = a.text().substring(eq + 1);
      String[] parts = key.split("\\.", -1);
      if (parts.length == 1) {
        String name = pipelineKey(key, a.option());
        pipeline.put(name, pipelineValue(name, value, a.option() + " " + key));
      } else {
        entries.add(component(flavors, a.option(), key, parts, value));
      }
    }
    return new SettingOverrides(entries, pipeline);
  }

  public boolean isEmpty() {
    return entries.isEmpty() && pipeline.isEmpty();
  }

  /** The pipeline keys given, e.g. {@code enableCache}. */
  public java.util.Set<String> pipelineKeys() {
    return pipeline.keySet();
  }

  /** {@code settings} with the pipeline keys given. */
  public PipelineSettings applyTo(PipelineSettings settings) {
    if (pipeline.isEmpty()) {
      return settings;
    }
    PipelineSettings.Builder b = settings.toBuilder();
    pipeline.forEach(
        (k, v) -> {
          switch (k) {
            case "enableCache" -> b.enableCache(v.asBoolean());
            case "failFast" -> b.failFast(v.asBoolean());
            case "maxParallelism" -> b.maxParallelism(v.asInt());
            default -> b.stepTimeout(Duration.parse(v.asText()));
          }
        });
    return b.build();
  }

  List<Entry> entries() {
    return entries;
  }

  /**
   * Sets every entry for {@code settingsKey} in {@code json}, in order: a path sets one field,
   * possibly nested.
   */
  void applyTo(String settingsKey, ObjectNode json) {
    for (Entry e : entries) {
      if (!e.settingsKey().equals(settingsKey)) {
        continue;
      }
      if (e.path().isEmpty()) {
        json.setAll((ObjectNode) e.value());
        continue;
      }
      ObjectNode at = json;
      for (String field : e.path().subList(0, e.path().size() - 1)) {
        at = at.get(field) instanceof ObjectNode o ? o : at.putObject(field);
      }
      at.set(e.path().get(e.path().size() - 1), e.value());
    }
  }

  private static String pipelineKey(String key, String option) {
    for (String k : PIPELINE_KEYS) {
      if (ConfigBinder.canonical(k).equals(ConfigBinder.canonical(key))) {
        return k;
      }
    }
    List<String> names = new ArrayList<>(PIPELINE_KEYS);
    Arrays.stream(ComponentType.values()).map(ComponentType::settingsPrefix).forEach(names::add);
    String hint =
        ConfigBinder.closest(key, names).map(k -> ": did you mean '" + k + "'?").orElse("");
    throw new ConfigException(
        "unknown key '"
            + key
            + "' for "
            + option
            + hint
            + " (use a pipeline key: "
            + String.join(", ", PIPELINE_KEYS)
            + ", or <component>.<flavor>.<field> with component orchestrator, artifact_store or container_registry)");
  }

  private static JsonNode pipelineValue(String name, String value, String what) {
    Class<?> type =
        switch (name) {
          case "enableCache", "failFast" -> Boolean.class;
          case "maxParallelism" -> Integer.class;
          default -> Duration.class;
        };
    JsonNode v = ConfigBinder.parse(name, type, value, what);
    try {
      PipelineSettings.Builder check = PipelineSettings.newBuilder();
      if (name.equals("maxParallelism")) {
        check.maxParallelism(v.asInt());
      } else if (name.equals("stepTimeout")) {
        check.stepTimeout(Duration.parse(v.asText()));
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid value for " + what + ": " + e.getMessage());
    }
    return v;
  }

  private static Entry component(
      Flavors flavors, String option, String key, String[] parts, String value) {
    ComponentType type =
        Arrays.stream(ComponentType.values())
            .filter(
                t ->
                    ConfigBinder.canonical(t.settingsPrefix())
                        .equals(ConfigBinder.canonical(parts[0])))
            .findFirst()
            .orElseThrow(
                () -> {
                  List<String> names =
                      Arrays.stream(ComponentType.values())
                          .map(ComponentType::settingsPrefix)
                          .toList();
                  String hint =
                      ConfigBinder.closest(parts[0], names)
                          .map(k -> ": did you mean '" + k + "'?")
                          .orElse("");
                  return new ConfigException(
                      "unknown component '"
                          + parts[0]
                          + "' in "
                          + option
                          + " "
                          + key
                          + hint
                          + " (use <component>.<flavor>.<field> with component "
                          + String.join(", ", names)
                          + ", or a pipeline key: "
                          + String.join(", ", PIPELINE_KEYS)
                          + ")");
                });
    List<String> names = flavors.ofType(type).stream().map(Flavor::name).toList();
    Flavor<?> flavor =
        flavors.ofType(type).stream()
            .filter(f -> f.name().equals(parts[1]))
            .findFirst()
            .orElseThrow(
                () ->
                    new ConfigException(
                        "unknown "
                            + type.cliName()
                            + " flavor '"
                            + parts[1]
                            + "' in "
                            + option
                            + " "
                            + key
                            + ConfigBinder.closest(parts[1], names)
                                .map(k -> ": did you mean '" + k + "'?")
                                .orElse("")
                            + " (installed: "
                            + String.join(", ", names)
                            + ")"));
    String settingsKey = type.settingsPrefix() + "." + flavor.name();
    Class<? extends Record> settings = flavor.settingsType();
    if (settings == null) {
      throw new ConfigException(
          option
              + " "
              + key
              + ": "
              + type.cliName()
              + " flavor '"
              + flavor.name()
              + "' takes no settings");
    }
    String what = option + " " + settingsKey;
    JsonNode parsed = json(value);
    List<String> path = path(settings, Arrays.asList(parts).subList(2, parts.length), what);
    if (path.isEmpty()) {
      return new Entry(option, settingsKey, path, ConfigBinder.normalize(settings, parsed, what));
    }
    if (parsed.isNull()) {
      throw new ConfigException(
          option + " " + key + " needs a value: null does not unset a setting");
    }
    // the value checked as a settings object holding only this path
    ObjectNode nested = NODES.objectNode();
    ObjectNode at = nested;
    for (String field : path.subList(0, path.size() - 1)) {
      at = at.putObject(field);
    }
    at.set(path.get(path.size() - 1), parsed);
    JsonNode checked = ConfigBinder.normalize(settings, nested, what);
    for (String field : path) {
      checked = checked.get(field);
    }
    return new Entry(option, settingsKey, path, checked);
  }

  /**
   * The field names of {@code fields} in the settings record (and the records, maps and beans in
   * it).
   */
  private static List<String> path(
      Class<? extends Record> settings, List<String> fields, String what) {
    List<String> path = new ArrayList<>();
    JavaType type = Json.mapper().constructType(settings);
    for (int i = 0; i < fields.size(); i++) {
      String field = fields.get(i);
      String at = path.isEmpty() ? what : what + " (" + String.join(".", path) + ")";
      Class<?> raw = type.getRawClass();
      if (type.isMapLikeType()) {
        path.add(
            String.join(
                ".",
                fields.subList(
                    i, fields.size()))); // a map key may hold dots, e.g. kubernetes.io/arch
        return path;
      }
      if (raw.isRecord()) {
        @SuppressWarnings("unchecked")
        Class<? extends Record> record = (Class<? extends Record>) raw;
        String name = ConfigBinder.canonicalKey(record, field, at);
        RecordComponent rc =
            Arrays.stream(record.getRecordComponents())
                .filter(c -> c.getName().equals(name))
                .findFirst()
                .orElseThrow();
        path.add(name);
        type = Json.mapper().constructType(rc.getGenericType());
        continue;
      }
      Map<String, JavaType> properties = ConfigBinder.beanProperties(type);
      if (properties.isEmpty()) {
        throw new ConfigException(
            "'"
                + String.join(".", path)
                + "' of "
                + what
                + " is a "
                + describe(type)
                + ", not an object: set it as a whole ("
                + String.join(".", path)
                + "=JSON)");
      }
      if (!properties.containsKey(field)) {
        throw ConfigBinder.unknownKey(field, List.copyOf(properties.keySet()), at);
      }
      path.add(field);
      type = properties.get(field);
    }
    return path;
  }

  private static String describe(JavaType type) {
    if (type.isCollectionLikeType() || type.isArrayType()) {
      return "list";
    }
    return type.getRawClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }

  /** JSON when the text parses as one JSON value, else the text itself. */
  public static JsonNode json(String value) {
    String v = value.trim();
    if (!v.isEmpty()) {
      try {
        JsonNode parsed =
            Json.mapper()
                .readerFor(JsonNode.class)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .readValue(v);
        if (parsed != null && !parsed.isMissingNode()) {
          return parsed;
        }
      } catch (JsonProcessingException notJson) {
        // text
      }
    }
    return NODES.textNode(value);
  }

  @Override
  public String toString() {
    return entries.stream()
            .map(
                e ->
                    e.settingsKey()
                        + (e.path().isEmpty() ? "" : "." + String.join(".", e.path()))
                        + "="
                        + e.value())
            .collect(Collectors.joining(", "))
        + (pipeline.isEmpty() ? "" : " " + pipeline);
  }
}
