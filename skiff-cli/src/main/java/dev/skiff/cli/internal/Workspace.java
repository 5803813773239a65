package dev.skiff.cli.internal;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.ArtifactStoreFlavor;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ConfigBinder;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.Flavors;
import dev.skiff.core.stack.ResolvedComponent;
import dev.skiff.core.stack.ResolvedStack;
import dev.skiff.core.stack.SecretBox;
import dev.skiff.core.stack.Stacks;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An opened project: its metadata store and its {@link Stacks} (flavors from the class path,
 * secrets sealed with the project's key). Opening creates the {@code default} stack the first time,
 * so new and old projects alike have one. Warnings print to stderr as {@code warning: …}.
 */
public final class Workspace implements AutoCloseable {
  /**
   * Project setting recording that the default stack was created once (it may be deleted later).
   */
  static final String DEFAULT_STACK_CREATED = "default_stack_created";

  private final Project project;
  private final MetadataStore store;
  private final Stacks stacks;
  private final PrintWriter err;
  private final Map<String, ArtifactStore> openStores = new HashMap<>();

  private Workspace(Project project, MetadataStore store, PrintWriter err) {
    this.project = project;
    this.store = store;
    this.err = err;
    SecretBox box = SecretBox.open(project.secretKeyFile(), System.getenv(SecretBox.KEY_ENV));
    this.stacks =
        new Stacks(store, Flavors.load(Workspace.class.getClassLoader()), box, this::warn);
  }

  public static Workspace open(Project project, PrintWriter err) {
    MetadataStore store = project.openMetadataStore();
    try {
      Workspace ws = new Workspace(project, store, err);
      ws.ensureDefaultStack();
      return ws;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private void ensureDefaultStack() {
    if (store.getSetting(DEFAULT_STACK_CREATED).isPresent()) {
      return;
    }
    try {
      stacks.ensureDefault(project.artifactsDir().toString());
    } catch (ConfigException e) {
      if (store.findStack(Stacks.DEFAULT).isEmpty()) {
        throw e;
      } // else another skiff process created it at the same time
    }
    store.putSetting(DEFAULT_STACK_CREATED, "true");
  }

  public Project project() {
    return project;
  }

  public MetadataStore store() {
    return store;
  }

  public Stacks stacks() {
    return stacks;
  }

  public void warn(String message) {
    err.println("warning: " + Redactor.redact(message));
    err.flush();
  }

  /** The configuration record of a component, secrets resolved (and remembered for redaction). */
  public Record configure(ComponentRecord component) {
    for (String ref : ConfigBinder.secretReferences(component.config())) {
      Redactor.add(stacks.secretValue(ref), ref);
    }
    return stacks.configure(component);
  }

  /**
   * {@code text} (a value of a run's settings, e.g. a step JVM flag) with its secret references
   * resolved, the values remembered for redaction; for {@link
   * dev.skiff.core.spi.OrchestratorContext#secrets()}.
   */
  public String resolveSecrets(String text) {
    return ConfigBinder.resolveSecrets(
        text,
        ref -> {
          String value = stacks.secretValue(ref);
          Redactor.add(value, ref);
          return value;
        });
  }

  /** The artifact store of {@code stack}, opened once per workspace. */
  public ArtifactStore artifactStore(ResolvedStack stack) {
    ResolvedComponent c = stack.required(ComponentType.ARTIFACT_STORE);
    return openStores.computeIfAbsent(c.name(), n -> open(c));
  }

  /**
   * How step processes and pods reach the stores of {@code stack}: the metadata URL (and password)
   * of this home and the stack's artifact store as its flavor and resolved configuration.
   */
  public dev.skiff.core.spi.StoreAccess storeAccess(ResolvedStack stack) {
    ResolvedComponent c = stack.required(ComponentType.ARTIFACT_STORE);
    Map<String, String> secretValues = new java.util.TreeMap<>();
    for (String ref : ConfigBinder.secretReferences(c.record().config())) {
      String value = stacks.secretValue(ref);
      Redactor.add(value, ref);
      secretValues.put(ref, value);
    }
    // the values go along (in the same Secret or environment) so that pods can redact them too
    String address =
        dev.skiff.core.spi.StoreAccess.artifactStoreAddress(
            c.flavor().name(),
            ConfigBinder.resolveSecrets(c.record().config(), stacks::secretValue),
            secretValues);
    String password = project.metadataPassword();
    Redactor.addCredential(password, "<metadata password>");
    return new dev.skiff.core.spi.StoreAccess(project.metadataUrl(), password, address);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private ArtifactStore open(ResolvedComponent c) {
    if (!(c.flavor() instanceof ArtifactStoreFlavor flavor)) {
      throw new ConfigException(
          "artifact-store flavor '" + c.flavor().name() + "' cannot open stores");
    }
    Record config = configure(c.record());
    return ((ArtifactStoreFlavor) flavor).open(config);
  }

  /**
   * The stack a run used (recorded in its plan); the active one, with a warning, when that stack
   * was deleted since (or for runs recorded before stacks existed).
   */
  public ResolvedStack stackOf(RunRecord run) {
    String name = RunPlan.fromJson(run.planJson()).stack();
    if (name != null && store.findStack(name).isPresent()) {
      return stacks.resolve(name);
    }
    String active = stacks.activeName();
    if (name != null) {
      warn(
          "stack '"
              + name
              + "' of run "
              + run.id()
              + " no longer exists: using the active stack '"
              + active
              + "'");
    }
    return stacks.resolve(active);
  }

  /**
   * The artifact store holding a run's blob {@code path}: the store of the run's stack, or (when
   * that stack's store was changed since) any registered artifact store that has it.
   */
  public ArtifactStore artifactsOf(RunRecord run, String path) {
    ResolvedStack stack = stackOf(run);
    ArtifactStore primary = artifactStore(stack);
    if (path == null || primary.exists(path)) {
      return primary;
    }
    for (ComponentRecord c : stacks.components(ComponentType.ARTIFACT_STORE)) {
      Optional<ArtifactStore> other = tryOpen(c);
      if (other.isPresent() && other.get().exists(path)) {
        return other.get();
      }
    }
    return primary;
  }

  private Optional<ArtifactStore> tryOpen(ComponentRecord c) {
    try {
      return Optional.of(
          openStores.computeIfAbsent(
              c.name(),
              n -> open(new ResolvedComponent(c, stacks.flavors().find(c.type(), c.flavor())))));
    } catch (RuntimeException unavailable) {
      return Optional.empty(); // a store we cannot reach here cannot be the one
    }
  }

  @Override
  public void close() {
    store.close();
  }
}
