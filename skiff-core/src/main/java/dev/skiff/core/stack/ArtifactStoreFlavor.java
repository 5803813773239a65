package dev.skiff.core.stack;

import dev.skiff.core.ArtifactStore;

/** A flavor of artifact store: opens the store its configuration describes. */
public interface ArtifactStoreFlavor<C extends Record> extends Flavor<C> {
  @Override
  default ComponentType type() {
    return ComponentType.ARTIFACT_STORE;
  }

  ArtifactStore open(C config);
}
