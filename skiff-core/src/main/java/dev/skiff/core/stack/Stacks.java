package dev.skiff.core.stack;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.sdk.Names;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Components, stacks and secrets with their rules: configurations are typed and validated when
 * registered, a component used by a stack cannot be deleted, the active stack cannot be deleted,
 * secrets are encrypted before they reach the store and never returned in clear except to configure
 * a component.
 */
public final class Stacks {
  public static final String DEFAULT = "default";
  static final String ACTIVE_STACK = "active_stack";
  private static final Pattern SENSITIVE_KEY =
      Pattern.compile("(?i).*(password|secret|token|credential|accesskey|secretkey).*");

  private final StackStore store;
  private final Flavors flavors;
  private final SecretBox box;
  private final Consumer<String> warnings;
  private final Clock clock;

  public Stacks(StackStore store, Flavors flavors, SecretBox box, Consumer<String> warnings) {
    this(store, flavors, box, warnings, Clock.systemUTC());
  }

  Stacks(StackStore store, Flavors flavors, SecretBox box, Consumer<String> warnings, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.flavors = Objects.requireNonNull(flavors, "flavors");
    this.box = box;
    this.warnings = warnings;
    this.clock = clock;
  }

  public Flavors flavors() {
    return flavors;
  }

  // ---- components

  public ComponentRecord registerComponent(
      ComponentType type, String name, String flavorName, Map<String, String> values) {
    checkName(type.cliName(), name);
    if (store.findComponent(type, name).isPresent()) {
      throw new ConfigException(
          type.cliName()
              + " '"
              + name
              + "' exists already: change it with 'skiff "
              + type.cliName()
              + " update "
              + name
              + "'");
    }
    Flavor<?> flavor = flavors.find(type, flavorName);
    ObjectNode config = ConfigBinder.bind(flavor.configType(), values, null, what(type, flavor));
    validate(flavor, config, type, name);
    Instant now = clock.instant();
    ComponentRecord record = new ComponentRecord(type, name, flavor.name(), config, now, null);
    store.saveComponent(record);
    return record;
  }

  public ComponentRecord updateComponent(
      ComponentType type, String name, Map<String, String> values, List<String> removeKeys) {
    ComponentRecord old = component(type, name);
    Flavor<?> flavor = flavors.find(type, old.flavor());
    ObjectNode config =
        ConfigBinder.bind(flavor.configType(), values, old.config(), what(type, flavor));
    for (String key : removeKeys) {
      config.remove(ConfigBinder.canonicalKey(flavor.configType(), key, what(type, flavor)));
    }
    validate(flavor, config, type, name);
    ComponentRecord record =
        new ComponentRecord(type, name, old.flavor(), config, old.createdAt(), clock.instant());
    store.saveComponent(record);
    return record;
  }

  public ComponentRecord component(ComponentType type, String name) {
    return store
        .findComponent(type, name)
        .orElseThrow(
            () ->
                new ConfigException(
                    "no "
                        + type.cliName()
                        + " named '"
                        + name
                        + "': see 'skiff "
                        + type.cliName()
                        + " list'"));
  }

  public List<ComponentRecord> components(ComponentType type) {
    return store.listComponents(type);
  }

  public void deleteComponent(ComponentType type, String name) {
    component(type, name);
    for (StackRecord s : store.listStacks()) {
      if (name.equals(s.components().get(type))) {
        throw new ConfigException(
            type.cliName()
                + " '"
                + name
                + "' is used by stack '"
                + s.name()
                + "': change or delete that stack first");
      }
    }
    store.deleteComponent(type, name);
  }

  /** The configuration record of a component, with secret references resolved. */
  public Record configure(ComponentRecord component) {
    Flavor<?> flavor = flavors.find(component.type(), component.flavor());
    return ConfigBinder.instantiate(
        flavor.configType(),
        component.config(),
        this::secretValue,
        what(component.type(), flavor) + " '" + component.name() + "'");
  }

  // ---- stacks

  public StackRecord registerStack(String name, Map<ComponentType, String> components) {
    checkName("stack", name);
    if (store.findStack(name).isPresent()) {
      throw new ConfigException(
          "stack '" + name + "' exists already: change it with 'skiff stack update " + name + "'");
    }
    StackRecord stack =
        new StackRecord(name, checkedComponents(name, components), clock.instant(), null);
    store.saveStack(stack);
    return stack;
  }

  /** Replaces the given components; an empty name removes an optional component. */
  public StackRecord updateStack(String name, Map<ComponentType, String> changes) {
    StackRecord old = stack(name);
    Map<ComponentType, String> merged = new EnumMap<>(ComponentType.class);
    merged.putAll(old.components());
    changes.forEach(
        (type, component) -> {
          if (component == null || component.isEmpty()) {
            merged.remove(type);
          } else {
            merged.put(type, component);
          }
        });
    StackRecord stack =
        new StackRecord(name, checkedComponents(name, merged), old.createdAt(), clock.instant());
    store.saveStack(stack);
    return stack;
  }

  public StackRecord copyStack(String from, String to) {
    return registerStack(to, stack(from).components());
  }

  public StackRecord stack(String name) {
    return store
        .findStack(name)
        .orElseThrow(
            () -> new ConfigException("no stack named '" + name + "': see 'skiff stack list'"));
  }

  public List<StackRecord> stacks() {
    return store.listStacks();
  }

  public void deleteStack(String name) {
    stack(name);
    if (name.equals(activeName())) {
      throw new ConfigException(
          "stack '" + name + "' is the active stack: 'skiff stack set' another one first");
    }
    store.deleteStack(name);
  }

  public void setActive(String name) {
    stack(name);
    store.putSetting(ACTIVE_STACK, name);
  }

  public String activeName() {
    return store.getSetting(ACTIVE_STACK).orElse(DEFAULT);
  }

  public StackRecord active() {
    return stack(activeName());
  }

  public ResolvedStack resolve(String name) {
    StackRecord s = stack(name);
    Map<ComponentType, ResolvedComponent> components = new EnumMap<>(ComponentType.class);
    s.components()
        .forEach(
            (type, componentName) -> {
              ComponentRecord c = component(type, componentName);
              components.put(type, new ResolvedComponent(c, flavors.find(type, c.flavor())));
            });
    return new ResolvedStack(s.name(), components);
  }

  /**
   * Creates the {@code default} stack (local orchestrator, local artifact store at {@code
   * artifactPath}) if missing, so a fresh project runs with no setup.
   */
  public void ensureDefault(String artifactPath) {
    if (store.findStack(DEFAULT).isPresent()) {
      return;
    }
    if (store.findComponent(ComponentType.ORCHESTRATOR, DEFAULT).isEmpty()) {
      registerComponent(ComponentType.ORCHESTRATOR, DEFAULT, "local", Map.of());
    }
    if (store.findComponent(ComponentType.ARTIFACT_STORE, DEFAULT).isEmpty()) {
      registerComponent(
          ComponentType.ARTIFACT_STORE, DEFAULT, "local", Map.of("path", artifactPath));
    }
    registerStack(
        DEFAULT,
        Map.of(ComponentType.ORCHESTRATOR, DEFAULT, ComponentType.ARTIFACT_STORE, DEFAULT));
  }

  // ---- secrets

  public SecretRecord createSecret(String name, Map<String, String> values) {
    checkName("secret", name);
    if (store.findSecret(name).isPresent()) {
      throw new ConfigException(
          "secret '"
              + name
              + "' exists already: delete it first or use 'skiff secret update "
              + name
              + "'");
    }
    return saveSecret(name, values, clock.instant(), null);
  }

  public SecretRecord updateSecret(String name, Map<String, String> values) {
    SecretRecord old = secret(name);
    Map<String, String> merged = new TreeMap<>();
    old.encryptedValues().forEach((k, v) -> merged.put(k, box().decrypt(v, aad(name, k))));
    merged.putAll(values);
    return saveSecret(name, merged, old.createdAt(), clock.instant());
  }

  private SecretRecord saveSecret(
      String name, Map<String, String> values, Instant created, Instant updated) {
    if (values.isEmpty()) {
      throw new ConfigException("secret '" + name + "' needs at least one --KEY=VALUE");
    }
    Map<String, String> encrypted = new TreeMap<>();
    values.forEach(
        (k, v) -> {
          if (!k.matches("[A-Za-z0-9_.-]+")) {
            throw new ConfigException(
                "secret key '" + k + "' is invalid: use letters, digits, '_', '-' or '.'");
          }
          encrypted.put(k, box().encrypt(v, aad(name, k)));
        });
    SecretRecord record = new SecretRecord(name, encrypted, created, updated);
    store.saveSecret(record);
    return record;
  }

  public SecretRecord secret(String name) {
    return store
        .findSecret(name)
        .orElseThrow(
            () -> new ConfigException("no secret named '" + name + "': see 'skiff secret list'"));
  }

  public List<SecretRecord> secrets() {
    return store.listSecrets();
  }

  public void deleteSecret(String name) {
    secret(name);
    for (ComponentRecord c : store.listComponents(null)) {
      for (String ref : ConfigBinder.secretReferences(c.config())) {
        if (ref.startsWith(name + ".")) {
          throw new ConfigException(
              "secret '"
                  + name
                  + "' is used by "
                  + c.type().cliName()
                  + " '"
                  + c.name()
                  + "': change that component first");
        }
      }
    }
    store.deleteSecret(name);
  }

  /** The clear value of {@code NAME.KEY}; only for configuring components, never for display. */
  public String secretValue(String reference) {
    int dot = reference.indexOf('.');
    String name = reference.substring(0, dot);
    String key = reference.substring(dot + 1);
    SecretRecord s =
        store
            .findSecret(name)
            .orElseThrow(
                () ->
                    new ConfigException(
                        "secret '"
                            + name
                            + "' (referenced as {{secret."
                            + reference
                            + "}}) does not exist: create it with 'skiff secret create "
                            + name
                            + " --"
                            + key
                            + "=...'"));
    String enc = s.encryptedValues().get(key);
    if (enc == null) {
      throw new ConfigException(
          "secret '"
              + name
              + "' has no key '"
              + key
              + "' (keys: "
              + String.join(", ", s.encryptedValues().keySet())
              + ")");
    }
    return box().decrypt(enc, aad(name, key));
  }

  // ---- helpers

  private Map<ComponentType, String> checkedComponents(
      String stack, Map<ComponentType, String> components) {
    Map<ComponentType, String> checked = new LinkedHashMap<>();
    for (ComponentType type : ComponentType.values()) {
      String name = components.get(type);
      if (name == null) {
        if (type.required()) {
          throw new ConfigException(
              "stack '"
                  + stack
                  + "' needs an "
                  + type.cliName()
                  + " (--"
                  + type.cliName()
                  + " NAME)");
        }
        continue;
      }
      component(type, name);
      checked.put(type, name);
    }
    return checked;
  }

  private void validate(Flavor<?> flavor, ObjectNode config, ComponentType type, String name) {
    String what = what(type, flavor) + " '" + name + "'";
    for (String ref : ConfigBinder.secretReferences(config)) {
      secretValue(ref); // fails with the fix if the secret or key is missing
    }
    Record value = ConfigBinder.instantiate(flavor.configType(), config, this::secretValue, what);
    validateWith(flavor, value, what);
    config
        .properties()
        .forEach(
            f -> {
              if (SENSITIVE_KEY.matcher(f.getKey()).matches()
                  && f.getValue().isTextual()
                  && !f.getValue().asText().isEmpty()
                  && !ConfigBinder.SECRET_REF.matcher(f.getValue().asText()).find()
                  && warnings != null) {
                warnings.accept(
                    "'"
                        + f.getKey()
                        + "' of "
                        + what
                        + " looks like a secret stored in clear: use 'skiff secret create' and --"
                        + f.getKey()
                        + "={{secret.NAME.KEY}}");
              }
            });
  }

  @SuppressWarnings("unchecked")
  private static <C extends Record> void validateWith(Flavor<C> flavor, Record value, String what) {
    try {
      flavor.validate((C) value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid configuration for " + what + ": " + e.getMessage(), e);
    }
  }

  private SecretBox box() {
    if (box == null) {
      throw new ConfigException("secrets are not available here: no secret key is configured");
    }
    return box;
  }

  private static String aad(String name, String key) {
    return name + "." + key;
  }

  private static String what(ComponentType type, Flavor<?> flavor) {
    return type.cliName() + " flavor '" + flavor.name() + "'";
  }

  private static void checkName(String kind, String name) {
    if (!Names.isValid(name)) {
      throw new ConfigException(
          kind
              + " name '"
              + name
              + "' is invalid: use a letter then letters, digits, '_' or '-' (at most 63)");
    }
  }

  /** Components whose configuration refers to secrets, by secret reference (for describe). */
  public static List<String> references(ComponentRecord c) {
    return new ArrayList<>(ConfigBinder.secretReferences(c.config()));
  }
}
