package dev.skiff.core.stack;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A stack's component with its flavor, ready to be configured. */
public record ResolvedComponent(ComponentRecord record, Flavor<?> flavor) {
  public ComponentType type() {
    return record.type();
  }

  public String name() {
    return record.name();
  }

  /** Stored configuration; secret references unresolved. */
  public ObjectNode config() {
    return record.config();
  }

  /** Setting key of this component's flavor, e.g. {@code orchestrator.local}. */
  public String settingsKey() {
    return record.type().settingsPrefix() + "." + flavor.name();
  }
}
