package dev.skiff.core.stack;

import dev.skiff.core.Orchestrator;
import dev.skiff.core.OrchestratorContext;

/** A flavor of orchestrator: makes the {@link Orchestrator} that runs plans. */
public interface OrchestratorFlavor<C extends Record> extends Flavor<C> {
  @Override
  default ComponentType type() {
    return ComponentType.ORCHESTRATOR;
  }

  Orchestrator create(C config, OrchestratorContext context);
}
