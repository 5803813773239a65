package dev.skiff.core.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Resolves component settings: component configuration < pipeline settings < step settings,
 * field by field, for the components of the stack a run uses. A key names a component type and a
 * flavor ({@code orchestrator.kubernetes}); a malformed key is an error, a key for a flavor the
 * stack does not use is a warning.
 */
public final class SettingsResolver {
  private static final Pattern KEY = Pattern.compile("([a-z_]+)\\.([a-z0-9][a-z0-9_-]*)");

  private final ResolvedStack stack;
  private final Consumer<String> warnings;

  /** @param stack the stack of the run; null checks keys only */
  public SettingsResolver(ResolvedStack stack, Consumer<String> warnings) {
    this.stack = stack;
    this.warnings = warnings;
  }

  public Map<String, JsonNode> pipelineLevel(Map<String, Object> pipelineSettings, String pipeline) {
    Map<String, JsonNode> resolved = new LinkedHashMap<>();
    checkKeys(pipelineSettings, "pipeline '" + pipeline + "'");
    if (stack == null) {
      return resolved;
    }
    for (ResolvedComponent c : stack.components().values()) {
      Class<? extends Record> type = c.flavor().settingsType();
      if (type == null) {
        continue;
      }
      ObjectNode merged = restrict(c.config(), type);
      Object user = pipelineSettings.get(c.settingsKey());
      if (user != null) {
        merged.setAll(ConfigBinder.normalize(type, user, "setting '" + c.settingsKey() + "' of pipeline '" + pipeline + "'"));
      }
      validate(type, merged, "setting '" + c.settingsKey() + "' of pipeline '" + pipeline + "'");
      if (!merged.isEmpty()) {
        resolved.put(c.settingsKey(), merged);
      }
    }
    return resolved;
  }

  public Map<String, JsonNode> stepLevel(Map<String, JsonNode> pipelineLevel, Map<String, Object> stepSettings, String step) {
    checkKeys(stepSettings, "step '" + step + "'");
    Map<String, JsonNode> resolved = new LinkedHashMap<>(pipelineLevel);
    if (stack == null) {
      return resolved;
    }
    for (ResolvedComponent c : stack.components().values()) {
      Class<? extends Record> type = c.flavor().settingsType();
      Object user = stepSettings.get(c.settingsKey());
      if (type == null || user == null) {
        continue;
      }
      ObjectNode merged = pipelineLevel.containsKey(c.settingsKey()) ? ((ObjectNode) pipelineLevel.get(c.settingsKey())).deepCopy() : restrict(c.config(), type);
      merged.setAll(ConfigBinder.normalize(type, user, "setting '" + c.settingsKey() + "' of step '" + step + "'"));
      validate(type, merged, "setting '" + c.settingsKey() + "' of step '" + step + "'");
      resolved.put(c.settingsKey(), merged);
    }
    return resolved;
  }

  private void checkKeys(Map<String, Object> settings, String where) {
    for (String key : settings.keySet()) {
      var m = KEY.matcher(key);
      Optional<ComponentType> type = m.matches() ? ComponentType.bySettingsPrefix(m.group(1)) : Optional.empty();
      if (type.isEmpty()) {
        throw new ConfigException(
            "malformed setting key '" + key + "' of " + where + ": use '<component>.<flavor>' such as 'orchestrator.kubernetes' (components: orchestrator, artifact_store, container_registry)");
      }
      if (stack == null) {
        continue;
      }
      String flavor = m.group(2);
      Optional<ResolvedComponent> c = stack.component(type.get());
      if (c.isEmpty() || !c.get().flavor().name().equals(flavor)) {
        warnings.accept(
            "setting '" + key + "' of " + where + " is ignored: stack '" + stack.name() + "' "
                + c.map(x -> "uses " + type.get().cliName() + " flavor '" + x.flavor().name() + "'").orElse("has no " + type.get().cliName()));
      } else if (c.get().flavor().settingsType() == null) {
        warnings.accept("setting '" + key + "' of " + where + " is ignored: " + type.get().cliName() + " flavor '" + flavor + "' takes no settings");
      }
    }
  }

  /** The configuration fields that the settings record also has: those settings may override. */
  private static ObjectNode restrict(ObjectNode config, Class<? extends Record> type) {
    ObjectNode out = config.objectNode();
    for (String key : ConfigBinder.keys(type)) {
      if (config.has(key)) {
        out.set(key, config.get(key));
      }
    }
    return out;
  }

  private static void validate(Class<? extends Record> type, ObjectNode json, String what) {
    ConfigBinder.instantiate(type, json, UnaryOperator.identity(), what);
  }
}
