package dev.skiff.core.stack;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** A stack with its components and their flavors. */
public record ResolvedStack(String name, Map<ComponentType, ResolvedComponent> components) {
  public ResolvedStack {
    components =
        components.isEmpty()
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new EnumMap<>(components)); // in type order
  }

  public Optional<ResolvedComponent> component(ComponentType type) {
    return Optional.ofNullable(components.get(type));
  }

  public ResolvedComponent required(ComponentType type) {
    return component(type)
        .orElseThrow(
            () ->
                new ConfigException(
                    "stack '"
                        + name
                        + "' has no "
                        + type.cliName()
                        + ": add one with 'skiff stack update "
                        + name
                        + "'"));
  }
}
