package dev.skiff.core.stack;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A stack as stored: a name and the component of each type it uses, by name. */
public record StackRecord(
    String name, Map<ComponentType, String> components, Instant createdAt, Instant updatedAt) {
  public StackRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(createdAt, "createdAt");
    components =
        components.isEmpty()
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new EnumMap<>(components)); // in type order
  }

  public Optional<String> component(ComponentType type) {
    return Optional.ofNullable(components.get(type));
  }
}
