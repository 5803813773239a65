package dev.skiff.core.stack;

import java.util.Arrays;
import java.util.Optional;

/** The kinds of components a stack is made of. */
public enum ComponentType {
  ORCHESTRATOR("orchestrator", "orchestrator", true),
  ARTIFACT_STORE("artifact-store", "artifact_store", true),
  CONTAINER_REGISTRY("container-registry", "container_registry", false);

  private final String cliName;
  private final String settingsPrefix;
  private final boolean required;

  ComponentType(String cliName, String settingsPrefix, boolean required) {
    this.cliName = cliName;
    this.settingsPrefix = settingsPrefix;
    this.required = required;
  }

  /** Name in the CLI, e.g. {@code artifact-store}. */
  public String cliName() {
    return cliName;
  }

  /** First part of setting keys, e.g. {@code orchestrator} in {@code orchestrator.kubernetes}. */
  public String settingsPrefix() {
    return settingsPrefix;
  }

  /** Whether every stack needs one. */
  public boolean required() {
    return required;
  }

  public static Optional<ComponentType> bySettingsPrefix(String prefix) {
    return Arrays.stream(values()).filter(t -> t.settingsPrefix.equals(prefix)).findFirst();
  }
}
