package dev.skiff.core.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.internal.Json;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The one place where component settings are merged: for each component of the stack a run uses
 * whose flavor takes settings, field by field,
 *
 * <pre>
 * component configuration &lt; pipeline settings &lt; config file settings &lt; --set (pipeline level)
 *   &lt; step settings &lt; config file step settings
 * </pre>
 *
 * into the flavor's settings record, written into the plan complete (every field, with the
 * configuration's values and defaults) at pipeline level and for every step. Components read those
 * records from the plan ({@code RunPlan.setting(key, type)}, {@code PlanStep.setting(key, type)})
 * and never merge configuration and settings themselves.
 *
 * <p>A flavor's settings record must be part of its configuration record: every settings field is a
 * configuration field of the same name and type ({@link #settingsProblems}), so the configuration
 * gives every field's starting value and default.
 *
 * <p>A key names a component type and a flavor ({@code orchestrator.kubernetes}); a malformed key
 * is an error, a key for a flavor the stack does not use is a warning. Secret references stay
 * references.
 */
public final class SettingsResolver {
  private static final Pattern KEY = Pattern.compile("([a-z_]+)\\.([a-z0-9][a-z0-9_-]*)");

  /** Secret references stay references in the plan (resolved only where they are used). */
  private static final UnaryOperator<String> KEEP_REFERENCES = ref -> "{{secret." + ref + "}}";

  private final ResolvedStack stack;
  private final Consumer<String> warnings;

  /**
   * @param stack the stack of the run; null checks keys only
   */
  public SettingsResolver(ResolvedStack stack, Consumer<String> warnings) {
    this.stack = stack;
    this.warnings = warnings;
  }

  /** Configuration &lt; pipeline settings, for every component of the stack that takes settings. */
  public Map<String, JsonNode> pipelineLevel(
      Map<String, Object> pipelineSettings, String pipeline) {
    return pipelineLevel(pipelineSettings, SettingOverrides.NONE, pipeline);
  }

  /**
   * Configuration &lt; pipeline settings &lt; {@code overrides}, for every component of the stack
   * that takes settings.
   */
  public Map<String, JsonNode> pipelineLevel(
      Map<String, Object> pipelineSettings, SettingOverrides overrides, String pipeline) {
    Map<String, JsonNode> resolved = new LinkedHashMap<>();
    checkKeys(pipelineSettings.keySet(), "pipeline '" + pipeline + "'");
    checkOverrides(overrides);
    if (stack == null) {
      return resolved;
    }
    for (ResolvedComponent c : stack.components().values()) {
      Class<? extends Record> type = c.flavor().settingsType();
      if (type == null) {
        continue;
      }
      String what = "setting '" + c.settingsKey() + "' of pipeline '" + pipeline + "'";
      ObjectNode merged = fromConfig(c);
      Object user = pipelineSettings.get(c.settingsKey());
      if (user != null) {
        merged.setAll(ConfigBinder.normalize(type, user, what));
      }
      overrides.applyTo(c.settingsKey(), merged);
      resolved.put(c.settingsKey(), complete(type, merged, what));
    }
    return resolved;
  }

  /**
   * The pipeline level &lt; step settings, for every component of the stack that takes settings.
   */
  public Map<String, JsonNode> stepLevel(
      Map<String, JsonNode> pipelineLevel, Map<String, Object> stepSettings, String step) {
    return stepLevel(pipelineLevel, stepSettings, SettingOverrides.NONE, step);
  }

  /**
   * The pipeline level &lt; step settings &lt; {@code overrides} (a config file's step settings),
   * for every component of the stack that takes settings.
   */
  public Map<String, JsonNode> stepLevel(
      Map<String, JsonNode> pipelineLevel,
      Map<String, Object> stepSettings,
      SettingOverrides overrides,
      String step) {
    checkKeys(stepSettings.keySet(), "step '" + step + "'");
    checkOverrides(overrides);
    Map<String, JsonNode> resolved = new LinkedHashMap<>(pipelineLevel);
    if (stack == null) {
      return resolved;
    }
    for (ResolvedComponent c : stack.components().values()) {
      Class<? extends Record> type = c.flavor().settingsType();
      Object user = stepSettings.get(c.settingsKey());
      boolean overridden =
          overrides.entries().stream().anyMatch(e -> e.settingsKey().equals(c.settingsKey()));
      if (type == null || (user == null && !overridden)) {
        continue;
      }
      String what = "setting '" + c.settingsKey() + "' of step '" + step + "'";
      ObjectNode merged =
          pipelineLevel.containsKey(c.settingsKey())
              ? ((ObjectNode) pipelineLevel.get(c.settingsKey())).deepCopy()
              : fromConfig(c);
      if (user != null) {
        merged.setAll(ConfigBinder.normalize(type, user, what));
      }
      overrides.applyTo(c.settingsKey(), merged);
      resolved.put(c.settingsKey(), complete(type, merged, what));
    }
    return resolved;
  }

  /**
   * Checks {@code overrides} given to a resumed run: pipeline keys cannot change once a run exists;
   * keys for flavors the stack does not use are warnings.
   */
  public void checkResume(SettingOverrides overrides) {
    if (!overrides.pipelineKeys().isEmpty()) {
      throw new ConfigException(
          "'"
              + overrides.pipelineKeys().iterator().next()
              + "' cannot change when a run resumes: it is fixed in the run's plan");
    }
    checkOverrides(overrides);
  }

  /**
   * {@code overrides} set over settings already resolved (one level of a stored plan: a resumed
   * run's {@code --set}), for the components of the stack that they name; they win over everything
   * {@code resolved} holds. The other components' settings stay as they are.
   */
  public Map<String, JsonNode> override(
      Map<String, JsonNode> resolved, SettingOverrides overrides, String where) {
    Map<String, JsonNode> out = new LinkedHashMap<>(resolved);
    if (stack == null) {
      return out;
    }
    for (ResolvedComponent c : stack.components().values()) {
      Class<? extends Record> type = c.flavor().settingsType();
      if (type == null
          || overrides.entries().stream().noneMatch(e -> e.settingsKey().equals(c.settingsKey()))) {
        continue;
      }
      ObjectNode merged =
          resolved.get(c.settingsKey()) instanceof ObjectNode o ? o.deepCopy() : fromConfig(c);
      overrides.applyTo(c.settingsKey(), merged);
      out.put(
          c.settingsKey(), complete(type, merged, "setting '" + c.settingsKey() + "' of " + where));
    }
    return out;
  }

  /**
   * The settings a component's configuration gives when a plan holds none for it (a plan compiled
   * without a stack): the configuration's values of the settings fields.
   */
  public static <S extends Record> S fromConfig(Record config, Class<S> settingsType) {
    return Json.mapper()
        .convertValue(restrict(Json.mapper().valueToTree(config), settingsType), settingsType);
  }

  /**
   * Why {@code flavor}'s settings record is not part of its configuration record: a settings field
   * that the configuration lacks, or has with another type. Empty when it is, or when the flavor
   * takes no settings.
   */
  public static List<String> settingsProblems(Flavor<?> flavor) {
    Class<? extends Record> settings = flavor.settingsType();
    if (settings == null) {
      return List.of();
    }
    Map<String, Type> config = new LinkedHashMap<>();
    for (RecordComponent rc : flavor.configType().getRecordComponents()) {
      config.put(rc.getName(), rc.getGenericType());
    }
    List<String> problems = new ArrayList<>();
    String name = flavor.type().settingsPrefix() + "." + flavor.name();
    for (RecordComponent rc : settings.getRecordComponents()) {
      Type t = config.get(rc.getName());
      if (t == null) {
        problems.add(
            "settings field '"
                + rc.getName()
                + "' of "
                + name
                + " ("
                + settings.getSimpleName()
                + ") is not a field of its configuration "
                + flavor.configType().getSimpleName());
      } else if (!t.equals(rc.getGenericType())) {
        problems.add(
            "settings field '"
                + rc.getName()
                + "' of "
                + name
                + " is a "
                + rc.getGenericType().getTypeName()
                + " but the configuration's is a "
                + t.getTypeName());
      }
    }
    return problems;
  }

  private void checkKeys(Set<String> keys, String where) {
    for (String key : keys) {
      var m = KEY.matcher(key);
      Optional<ComponentType> type =
          m.matches() ? ComponentType.bySettingsPrefix(m.group(1)) : Optional.empty();
      if (type.isEmpty()) {
        throw new ConfigException(
            "malformed setting key '"
                + key
                + "' of "
                + where
                + ": use '<component>.<flavor>' such as 'orchestrator.kubernetes' (components: orchestrator, artifact_store, container_registry)");
      }
      if (stack == null) {
        continue;
      }
      String flavor = m.group(2);
      Optional<ResolvedComponent> c = stack.component(type.get());
      if (c.isEmpty() || !c.get().flavor().name().equals(flavor)) {
        warnings.accept(
            "setting '"
                + key
                + "' of "
                + where
                + " is ignored: stack '"
                + stack.name()
                + "' "
                + c.map(x -> "uses " + type.get().cliName() + " flavor '" + x.flavor().name() + "'")
                    .orElse("has no " + type.get().cliName()));
      } else if (c.get().flavor().settingsType() == null) {
        warnings.accept(
            "setting '"
                + key
                + "' of "
                + where
                + " is ignored: "
                + type.get().cliName()
                + " flavor '"
                + flavor
                + "' takes no settings");
      }
    }
  }

  /** Overrides are checked when parsed; here only whether the stack uses their flavors. */
  private void checkOverrides(SettingOverrides overrides) {
    Map<String, Set<String>> byOption = new LinkedHashMap<>();
    overrides
        .entries()
        .forEach(
            e ->
                byOption
                    .computeIfAbsent(e.option(), o -> new LinkedHashSet<>())
                    .add(e.settingsKey()));
    byOption.forEach((option, keys) -> checkKeys(keys, option));
  }

  /**
   * Starting values: the configuration's values of the fields its settings record also has, with
   * the configuration's defaults.
   */
  private static ObjectNode fromConfig(ResolvedComponent c) {
    Class<? extends Record> type = c.flavor().settingsType();
    List<String> problems = settingsProblems(c.flavor());
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          problems.get(0) + ": a flavor's settings must be fields of its configuration");
    }
    JsonNode config;
    try {
      config =
          Json.mapper()
              .valueToTree(
                  ConfigBinder.instantiate(
                      c.flavor().configType(),
                      c.config(),
                      KEEP_REFERENCES,
                      c.type().cliName() + " '" + c.name() + "'"));
    } catch (ConfigException referenceInACheckedField) {
      config =
          c.config(); // a field the record checks holds a secret reference: the stored values as
      // they are
    }
    return restrict((ObjectNode) config, type);
  }

  /** The configuration fields that the settings record also has. */
  private static ObjectNode restrict(ObjectNode config, Class<? extends Record> type) {
    ObjectNode out = config.objectNode();
    for (String key : ConfigBinder.keys(type)) {
      if (config.has(key)) {
        out.set(key, config.get(key));
      }
    }
    return out;
  }

  /**
   * The settings record (validated by its constructor) as JSON with every field; unset (null)
   * fields left out.
   */
  private static JsonNode complete(Class<? extends Record> type, ObjectNode json, String what) {
    Record value = ConfigBinder.instantiate(type, json, KEEP_REFERENCES, what);
    return withoutNulls(Json.mapper().valueToTree(value));
  }

  private static JsonNode withoutNulls(JsonNode node) {
    if (node instanceof ObjectNode obj) {
      List<String> nulls = new ArrayList<>();
      obj.properties()
          .forEach(
              e -> {
                if (e.getValue().isNull()) {
                  nulls.add(e.getKey());
                } else {
                  withoutNulls(e.getValue());
                }
              });
      obj.remove(nulls);
    } else if (node.isArray()) {
      node.forEach(SettingsResolver::withoutNulls);
    }
    return node;
  }
}
