package dev.skiff.core.stack;

import java.util.List;
import java.util.Optional;

/**
 * Where components, stacks, secrets and project settings (such as the active stack) are kept. Part
 * of every metadata store, so they move to the Skiff server unchanged. Plain storage: rules such as
 * "a component used by a stack cannot be deleted" live in {@link Stacks}.
 */
public interface StackStore {

  /** Inserts or replaces the component with this type and name. */
  void saveComponent(ComponentRecord component);

  Optional<ComponentRecord> findComponent(ComponentType type, String name);

  /** Sorted by type, then name; {@code type} null for all types. */
  List<ComponentRecord> listComponents(ComponentType type);

  /** Returns whether it existed. */
  boolean deleteComponent(ComponentType type, String name);

  /** Inserts or replaces the stack with this name. */
  void saveStack(StackRecord stack);

  Optional<StackRecord> findStack(String name);

  /** Sorted by name. */
  List<StackRecord> listStacks();

  boolean deleteStack(String name);

  void saveSecret(SecretRecord secret);

  Optional<SecretRecord> findSecret(String name);

  /** Sorted by name. */
  List<SecretRecord> listSecrets();

  boolean deleteSecret(String name);

  /** A project-wide setting, e.g. {@code active_stack}. */
  Optional<String> getSetting(String key);

  void putSetting(String key, String value);

  /** Settings whose key starts with {@code prefix}, sorted by key. */
  java.util.SortedMap<String, String> settings(String prefix);
}
