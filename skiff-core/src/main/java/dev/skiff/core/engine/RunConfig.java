package dev.skiff.core.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.skiff.core.internal.Json;
import dev.skiff.core.plan.PipelineDefinitionException;
import dev.skiff.core.stack.ConfigBinder;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.Flavors;
import dev.skiff.core.stack.SettingOverrides;
import dev.skiff.core.stack.SettingOverrides.Assignment;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The configuration of one run, given outside the pipeline's code: parameter overrides ({@code
 * skiff run -p STEP.PARAM=VALUE}, a config file's {@code parameters}), pipeline-level settings (a
 * config file's {@code settings}, {@code --set}) and step-level settings (a config file's {@code
 * steps.STEP.settings}). Later sources win over earlier ones: build it in the order code's config
 * files, the command line's config files, {@code --set}, {@code -p}. Settings keys are checked when
 * built (against the installed flavors); steps and parameters when the plan is compiled, by {@link
 * PlanCompiler}, which writes the resulting values into the plan (and so into the cache keys).
 *
 * <p>A config file (YAML, or JSON when its name ends with {@code .json}):
 *
 * <pre>
 * parameters:                 # STEP: {PARAM: VALUE}; an object merges into a record field by field
 *   trainer: {config: {gamma: 0.01}}
 * settings:                   # pipeline level, the keys of --set
 *   enableCache: false
 *   orchestrator.local: {maxParallelism: 2}
 * steps:                      # step level: component settings
 *   trainer:
 *     settings:
 *       orchestrator.local: {jvmArgs: [-Xmx1g]}
 * </pre>
 */
public final class RunConfig {
  public static final RunConfig NONE =
      new RunConfig(SettingOverrides.NONE, List.of(), Map.of(), Map.of());

  private static final List<String> FILE_KEYS = List.of("parameters", "settings", "steps");
  private static final List<String> STEP_KEYS = List.of("settings");

  /**
   * One parameter override: where it comes from ({@code -p trainer.config.gamma=0.01}, {@code
   * --config run.yaml}), the step, the parameter, a path of fields inside it (empty: the whole
   * value) and the value (JSON; an object merges into a record).
   */
  public record ParameterOverride(
      String origin, String step, String parameter, List<String> path, JsonNode value) {}

  private final SettingOverrides settings;
  private final List<ParameterOverride> parameters;
  private final Map<String, SettingOverrides> stepSettings;
  private final Map<String, String> stepOrigins;

  private RunConfig(
      SettingOverrides settings,
      List<ParameterOverride> parameters,
      Map<String, SettingOverrides> stepSettings,
      Map<String, String> stepOrigins) {
    this.settings = settings;
    this.parameters = List.copyOf(parameters);
    this.stepSettings = Map.copyOf(stepSettings);
    this.stepOrigins = Map.copyOf(stepOrigins);
  }

  /** Only pipeline-level settings ({@code --set}). */
  public static RunConfig of(SettingOverrides settings) {
    return new RunConfig(settings, List.of(), Map.of(), Map.of());
  }

  public static Builder newBuilder(Flavors flavors) {
    return new Builder(flavors);
  }

  /** Pipeline-level setting overrides: the config files' {@code settings}, then {@code --set}. */
  public SettingOverrides settings() {
    return settings;
  }

  public List<ParameterOverride> parameters() {
    return parameters;
  }

  /** The step-level settings of {@code step} given by config files. */
  public SettingOverrides stepSettings(String step) {
    return stepSettings.getOrDefault(step, SettingOverrides.NONE);
  }

  /** Step names with step-level settings, and where each was given. */
  public Map<String, String> stepSettingOrigins() {
    return stepOrigins;
  }

  public boolean isEmpty() {
    return settings.isEmpty() && parameters.isEmpty() && stepSettings.isEmpty();
  }

  /** Collects the sources of a run's configuration, lowest precedence first. */
  public static final class Builder {
    private final Flavors flavors;
    private final List<Assignment> settings = new ArrayList<>();
    private final List<ParameterOverride> parameters = new ArrayList<>();
    private final Map<String, List<Assignment>> stepSettings = new LinkedHashMap<>();
    private final Map<String, String> stepOrigins = new LinkedHashMap<>();

    private Builder(Flavors flavors) {
      this.flavors = flavors;
    }

    /** A config file (YAML, or JSON for {@code *.json}). */
    public Builder file(Path file) {
      String origin = "--config " + file;
      JsonNode root = read(file);
      if (root == null || root.isMissingNode() || root.isNull()) {
        return this; // an empty file changes nothing
      }
      ObjectNode top = object(root, origin, "the file");
      for (Map.Entry<String, JsonNode> e : top.properties()) {
        switch (e.getKey()) {
          case "parameters" -> parameters(origin, object(e.getValue(), origin, "parameters"));
          case "settings" -> {
            for (Map.Entry<String, JsonNode> s :
                object(e.getValue(), origin, "settings").properties()) {
              settings.add(new Assignment(origin, s.getKey() + "=" + text(s.getValue())));
            }
          }
          case "steps" -> steps(origin, object(e.getValue(), origin, "steps"));
          default -> throw unknown(e.getKey(), FILE_KEYS, origin);
        }
      }
      return this;
    }

    /** {@code --set KEY=VALUE} and its shorthands. */
    public Builder settings(List<Assignment> assignments) {
      settings.addAll(assignments);
      return this;
    }

    /** {@code -p STEP.PARAM[.FIELD...]=VALUE}: VALUE is JSON when it parses, else text. */
    public Builder parameter(String text) {
      String origin = "-p " + text;
      int eq = text.indexOf('=');
      String key = eq < 0 ? "" : text.substring(0, eq).trim();
      String[] parts = key.split("\\.", -1);
      if (eq < 0 || parts.length < 2 || Arrays.stream(parts).anyMatch(String::isBlank)) {
        throw new ConfigException(
            "-p expects STEP.PARAM=VALUE such as trainer.config={\"gamma\":0.01} or"
                + " trainer.config.gamma=0.01, got '"
                + text
                + "'");
      }
      parameters.add(
          new ParameterOverride(
              origin,
              parts[0],
              parts[1],
              List.of(parts).subList(2, parts.length),
              SettingOverrides.json(text.substring(eq + 1))));
      return this;
    }

    public Builder parameters(List<String> texts) {
      texts.forEach(this::parameter);
      return this;
    }

    /** Checks the settings keys against the installed flavors. */
    public RunConfig build() {
      Map<String, SettingOverrides> steps = new LinkedHashMap<>();
      stepSettings.forEach((step, a) -> steps.put(step, SettingOverrides.parse(flavors, a)));
      return new RunConfig(
          SettingOverrides.parse(flavors, settings), parameters, steps, stepOrigins);
    }

    private void parameters(String origin, ObjectNode byStep) {
      for (Map.Entry<String, JsonNode> step : byStep.properties()) {
        ObjectNode params = object(step.getValue(), origin, "parameters." + step.getKey());
        for (Map.Entry<String, JsonNode> p : params.properties()) {
          parameters.add(
              new ParameterOverride(origin, step.getKey(), p.getKey(), List.of(), p.getValue()));
        }
      }
    }

    private void steps(String origin, ObjectNode byStep) {
      for (Map.Entry<String, JsonNode> step : byStep.properties()) {
        String at = "steps." + step.getKey();
        for (Map.Entry<String, JsonNode> e : object(step.getValue(), origin, at).properties()) {
          if (!e.getKey().equals("settings")) {
            throw unknown(e.getKey(), STEP_KEYS, origin + " (" + at + ")");
          }
          String option = origin + " (step '" + step.getKey() + "')";
          for (Map.Entry<String, JsonNode> s :
              object(e.getValue(), origin, at + ".settings").properties()) {
            if (!s.getKey().contains(".")) {
              throw new ConfigException(
                  "step setting '"
                      + s.getKey()
                      + "' in "
                      + option
                      + ": steps take component settings, <component>.<flavor>[.<field>...] such as"
                      + " orchestrator.local (pipeline keys go under settings)");
            }
            stepSettings
                .computeIfAbsent(step.getKey(), k -> new ArrayList<>())
                .add(new Assignment(option, s.getKey() + "=" + text(s.getValue())));
            stepOrigins.putIfAbsent(step.getKey(), origin);
          }
        }
      }
    }

    private static JsonNode read(Path file) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("config file " + file + " does not exist");
      }
      boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
      ObjectMapper mapper = json ? Json.mapper() : new YAMLMapper();
      try {
        return mapper.readTree(file.toFile());
      } catch (JsonProcessingException e) {
        throw new ConfigException(
            "cannot read config file " + file + ": " + e.getOriginalMessage().split("\n")[0]);
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
    }

    private static ObjectNode object(JsonNode node, String origin, String what) {
      if (node instanceof ObjectNode o) {
        return o;
      }
      throw new ConfigException(
          what + " in " + origin + " must be a mapping of names to values, got: " + node);
    }

    /** A value as {@code --set} takes it: text as it is, anything else as JSON. */
    private static String text(JsonNode value) {
      return value.isTextual() ? value.asText() : value.toString();
    }
  }

  /** {@code value} with the overrides for {@code step}'s parameter {@code name}, typed. */
  JsonNode apply(String step, String name, Type type, JsonNode value) {
    JsonNode result = value;
    JavaType javaType = Json.mapper().constructType(type);
    for (ParameterOverride o : parameters) {
      if (!o.step().equals(step) || !o.parameter().equals(name)) {
        continue;
      }
      String what = "parameter '" + name + "' of step '" + step + "' (" + o.origin() + ")";
      result = result.deepCopy();
      if (o.path().isEmpty()) {
        result = merge(result, o.value(), javaType, what);
      } else {
        JsonNode at = result;
        JavaType atType = javaType;
        for (int i = 0; i < o.path().size(); i++) {
          String field = o.path().get(i);
          if (!(at instanceof ObjectNode obj)) {
            throw new PipelineDefinitionException(
                what
                    + ": '"
                    + String.join(".", o.path().subList(0, i))
                    + "' is not a record: set it as a whole");
          }
          if (atType.isMapLikeType()) { // the rest is one map key
            String key = String.join(".", o.path().subList(i, o.path().size()));
            obj.set(key, merge(obj.get(key), o.value(), atType.getContentType(), what));
            break;
          }
          JavaType fieldType = fieldType(atType, obj, field, what);
          if (i == o.path().size() - 1) {
            obj.set(field, merge(obj.get(field), o.value(), fieldType, what));
          } else {
            if (!(obj.get(field) instanceof ObjectNode)) {
              obj.set(field, obj.objectNode());
            }
            at = obj.get(field);
            atType = fieldType;
          }
        }
      }
      result = typed(result, javaType, type, what);
    }
    return result;
  }

  /** An object merges into a record (or map) field by field; any other value replaces. */
  private static JsonNode merge(JsonNode target, JsonNode patch, JavaType type, String what) {
    if (!(patch instanceof ObjectNode p) || !(target instanceof ObjectNode t)) {
      return patch;
    }
    ObjectNode out = t.deepCopy();
    for (Map.Entry<String, JsonNode> e : p.properties()) {
      JavaType fieldType =
          type.isMapLikeType() ? type.getContentType() : fieldType(type, out, e.getKey(), what);
      out.set(e.getKey(), merge(out.get(e.getKey()), e.getValue(), fieldType, what));
    }
    return out;
  }

  /** The type of {@code field} of a record (checked: an unknown field names the closest). */
  private static JavaType fieldType(JavaType type, ObjectNode node, String field, String what) {
    Class<?> raw = type.getRawClass();
    if (raw.isRecord()) {
      List<String> names = new ArrayList<>();
      for (RecordComponent rc : raw.getRecordComponents()) {
        if (rc.getName().equals(field)) {
          return Json.mapper().constructType(rc.getGenericType());
        }
        names.add(rc.getName());
      }
      throw unknown(field, names, what);
    }
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    if (!names.isEmpty() && !names.contains(field)) {
      throw unknown(field, names, what);
    }
    return Json.mapper().constructType(Object.class);
  }

  /** The value as the parameter's declared type, back to JSON: a bad value is one line. */
  private static JsonNode typed(JsonNode value, JavaType type, Type declared, String what) {
    try {
      Object v = Json.mapper().readerFor(type).readValue(Json.mapper().treeAsTokens(value));
      if (v == null) {
        throw new PipelineDefinitionException(what + ": null is not a value");
      }
      return Json.mapper().valueToTree(v);
    } catch (IOException | IllegalArgumentException e) {
      String message =
          e instanceof com.fasterxml.jackson.databind.exc.ValueInstantiationException v
                  && v.getCause() != null
              ? v.getCause().getMessage() // the record's own check
              : e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new PipelineDefinitionException(
          what
              + " expects "
              + dev.skiff.core.internal.Types.simpleName(declared)
              + ", got "
              + value
              + ": "
              + String.valueOf(message).split("\n")[0]);
    }
  }

  private static RuntimeException unknown(String key, List<String> names, String what) {
    return new ConfigException(
        "unknown key '"
            + key
            + "' in "
            + what
            + ConfigBinder.closest(key, names).map(k -> ": did you mean '" + k + "'?").orElse("")
            + " (valid keys: "
            + String.join(", ", names)
            + ")");
  }
}
