package dev.skiff.client.internal;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.ArtifactStoreFlavor;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.Flavors;
import dev.skiff.core.stack.ResolvedComponent;
import dev.skiff.core.stack.Stacks;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The artifact store that holds a run's blobs: the store of the stack the run used (recorded in its
 * plan), or the active stack's when that stack is gone; when the blob is not there (the stack's
 * store changed since), any registered artifact store that has it. Stores are opened once, with
 * their secrets resolved, like the CLI's workspace does.
 */
public final class ArtifactStores {
  private final MetadataStore store;
  private final Stacks stacks;
  private final Map<String, ArtifactStore> open = new HashMap<>();

  public ArtifactStores(Home home, MetadataStore store, ClassLoader loader) {
    this.store = store;
    this.stacks =
        new Stacks(
            store,
            Flavors.load(loader),
            home.secretBox(),
            warning -> {
              /* read only */
            });
  }

  /** The store holding {@code path} (a blob of {@code run}). */
  public synchronized ArtifactStore of(RunRecord run, String path) {
    ArtifactStore primary = open(stackStoreName(run));
    if (path == null || primary.exists(path)) {
      return primary;
    }
    for (ComponentRecord c : stacks.components(ComponentType.ARTIFACT_STORE)) {
      Optional<ArtifactStore> other = tryOpen(c.name());
      if (other.isPresent() && other.get().exists(path)) {
        return other.get();
      }
    }
    return primary;
  }

  private String stackStoreName(RunRecord run) {
    String name = RunPlan.fromJson(run.planJson()).stack();
    String stack = name != null && store.findStack(name).isPresent() ? name : stacks.activeName();
    return stacks.resolve(stack).required(ComponentType.ARTIFACT_STORE).name();
  }

  private Optional<ArtifactStore> tryOpen(String component) {
    try {
      return Optional.of(open(component));
    } catch (RuntimeException unavailable) {
      return Optional.empty(); // a store we cannot reach here cannot be the one
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private ArtifactStore open(String component) {
    return open.computeIfAbsent(
        component,
        n -> {
          ComponentRecord c = stacks.component(ComponentType.ARTIFACT_STORE, n);
          ResolvedComponent resolved =
              new ResolvedComponent(c, stacks.flavors().find(c.type(), c.flavor()));
          if (!(resolved.flavor() instanceof ArtifactStoreFlavor flavor)) {
            throw new ConfigException(
                "artifact-store flavor '" + c.flavor() + "' cannot open stores");
          }
          return ((ArtifactStoreFlavor) flavor).open(stacks.configure(c));
        });
  }
}
