package dev.skiff.images;

import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.Flavor;

/** The {@code default} container registry: any OCI registry, images built and pushed with Jib. */
public final class DefaultContainerRegistryFlavor implements Flavor<ContainerRegistryConfig> {
  @Override
  public ComponentType type() {
    return ComponentType.CONTAINER_REGISTRY;
  }

  @Override
  public String name() {
    return "default";
  }

  @Override
  public String description() {
    return "Any OCI/Docker registry; images built and pushed with Jib, no Docker daemon needed";
  }

  @Override
  public Class<ContainerRegistryConfig> configType() {
    return ContainerRegistryConfig.class;
  }

  /** Pipelines tune their image with {@link ImageSettings} under {@code container_registry.default}. */
  @Override
  public Class<ImageSettings> settingsType() {
    return ImageSettings.class;
  }

  /** An image builder pushing to the configured registry. */
  public ImageBuilder open(ContainerRegistryConfig config) {
    return ImageBuilder.newBuilder(config).build();
  }
}
