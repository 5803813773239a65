package dev.skiff.core.stack;

/**
 * A kind of component of one type, e.g. the {@code kubernetes} orchestrator or the {@code s3}
 * artifact store. Found with {@link java.util.ServiceLoader}, so a module adds flavors without
 * touching the core. The configuration is a record: its components are the keys users set with
 * {@code --key=value}; its canonical constructor validates and throws {@link
 * IllegalArgumentException} with a one-line message.
 *
 * @param <C> the configuration record
 */
public interface Flavor<C extends Record> {

  ComponentType type();

  /** Lower-case name, unique per type, e.g. {@code local}. */
  String name();

  /** One line for {@code skiff <type> flavor list}. */
  String description();

  Class<C> configType();

  /**
   * The record that pipeline and step settings under {@code <type>.<flavor>} bind to, or null when
   * the flavor takes no settings. It must be a part of {@link #configType()}: every field is a
   * configuration field of the same name and type, which gives its starting value and default
   * ({@link SettingsResolver#settingsProblems} checks it; the resolver refuses a flavor that breaks
   * it). {@link SettingsResolver} resolves configuration &lt; pipeline &lt; {@code --set} &lt; step
   * into the plan; the flavor's components read the records from there.
   */
  default Class<? extends Record> settingsType() {
    return null;
  }

  /** Checks across fields that the record's constructor cannot; default: none. */
  default void validate(C config) {}
}
