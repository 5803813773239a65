package dev.skiff.local;

import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.OrchestratorFlavor;

/** The {@code local} orchestrator: runs steps on this machine, in threads or processes. */
public final class LocalOrchestratorFlavor implements OrchestratorFlavor<LocalOrchestratorConfig> {
  public static final String NAME = "local";
  public static final String SETTINGS_KEY = "orchestrator." + NAME;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Runs steps on this machine, in threads of the client JVM or one JVM per step";
  }

  @Override
  public Class<LocalOrchestratorConfig> configType() {
    return LocalOrchestratorConfig.class;
  }

  @Override
  public Class<LocalOrchestratorConfig> settingsType() {
    return LocalOrchestratorConfig.class;
  }

  @Override
  public Orchestrator create(LocalOrchestratorConfig config, OrchestratorContext context) {
    return new LocalOrchestrator(
        context.store(),
        context.artifacts(),
        config,
        context.materializers(),
        context.loader(),
        new LocalOrchestrator.StoreAddresses(context.stores(), context.classpath()),
        context.secrets());
  }
}
