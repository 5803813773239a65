package dev.skiff.kubernetes.internal;

import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.OrchestratorFlavor;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.KubernetesSettings;

/** The {@code kubernetes} orchestrator: one pod per step, driven by an orchestrator pod. */
public final class KubernetesOrchestratorFlavor
    implements OrchestratorFlavor<KubernetesOrchestratorConfig> {
  @Override
  public String name() {
    return KubernetesOrchestrator.NAME;
  }

  @Override
  public String description() {
    return "Runs each step in its own pod, walked by an orchestrator Job in the cluster";
  }

  @Override
  public Class<KubernetesOrchestratorConfig> configType() {
    return KubernetesOrchestratorConfig.class;
  }

  @Override
  public Class<KubernetesSettings> settingsType() {
    return KubernetesSettings.class;
  }

  @Override
  public Orchestrator create(KubernetesOrchestratorConfig config, OrchestratorContext context) {
    return new KubernetesOrchestrator(config, context);
  }
}
