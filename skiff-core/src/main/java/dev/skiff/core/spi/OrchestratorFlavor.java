package dev.skiff.core.spi;

import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.Flavor;

/** A flavor of orchestrator: makes the {@link Orchestrator} that runs plans. */
public interface OrchestratorFlavor<C extends Record> extends Flavor<C> {
  @Override
  default ComponentType type() {
    return ComponentType.ORCHESTRATOR;
  }

  Orchestrator create(C config, OrchestratorContext context);
}
