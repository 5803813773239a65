package dev.skiff.kubernetes.internal;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;

/**
 * The image every pod of a run uses: the configured prebuilt one (its reference checked as a
 * kubelet would), else one built and pushed to the stack's container registry.
 */
final class ImageStep {
  private final KubernetesOrchestratorConfig config;
  private final OrchestratorContext context;

  ImageStep(KubernetesOrchestratorConfig config, OrchestratorContext context) {
    this.config = config;
    this.context = context;
  }

  String image(RunPlan plan) {
    if (config.image() != null && !config.image().isBlank()) {
      return ImageReference.check(config.image());
    }
    if (context.images() != null) {
      return context.images().imageFor(plan);
    }
    throw new ConfigException(
        "the kubernetes orchestrator needs an image holding Skiff and your code: add a container"
            + " registry to the stack (skiff stack update "
            + context.stack()
            + " -c REGISTRY) or set a prebuilt one with 'skiff orchestrator update NAME"
            + " --image=...'");
  }
}
