package dev.skiff.core.spi;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.stack.ConfigException;

/**
 * Makes the image that holds a pipeline's code for pods, from the stack's container registry;
 * returns a reference pods can pull, preferably by digest ({@code repo@sha256:…}).
 */
@FunctionalInterface
public interface ImageProvider {
  /** The plan's prebuilt image when its settings name one, else the image built and pushed now. */
  String imageFor(RunPlan plan);

  /** Builds and pushes the plan's image now, whatever its settings say ({@code skiff build}). */
  default PushedImage build(RunPlan plan) {
    throw new ConfigException(
        "this container registry cannot build images: use one of flavor 'default'");
  }

  /**
   * An image in the registry.
   *
   * @param reference what pods pull, pinned to the digest: {@code repository@sha256:…}
   * @param pushed false when the registry already had this exact image and nothing was uploaded
   */
  record PushedImage(String reference, boolean pushed) {
    /** {@code Pushed REF} or {@code Unchanged, nothing pushed: REF}. */
    public String describe() {
      return (pushed ? "Pushed " : "Unchanged, nothing pushed: ") + reference;
    }
  }
}
