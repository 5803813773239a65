package dev.skiff.core.stack;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;

/**
 * A registered component as stored: its configuration as typed JSON (secret references kept as
 * {@code {{secret.NAME.KEY}}} strings, never resolved values).
 */
public record ComponentRecord(
    ComponentType type,
    String name,
    String flavor,
    ObjectNode config,
    Instant createdAt,
    Instant updatedAt) {
  public ComponentRecord {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(flavor, "flavor");
    config = config == null ? null : config.deepCopy();
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  @Override
  public ObjectNode config() {
    return config.deepCopy();
  }
}
