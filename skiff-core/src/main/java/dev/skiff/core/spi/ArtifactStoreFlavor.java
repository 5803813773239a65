package dev.skiff.core.spi;

import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.Flavor;

/** A flavor of artifact store: opens the store its configuration describes. */
public interface ArtifactStoreFlavor<C extends Record> extends Flavor<C> {
  @Override
  default ComponentType type() {
    return ComponentType.ARTIFACT_STORE;
  }

  ArtifactStore open(C config);
}
