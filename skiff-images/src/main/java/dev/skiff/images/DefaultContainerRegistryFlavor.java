package dev.skiff.images;

import dev.skiff.core.spi.ContainerRegistryFlavor;
import dev.skiff.core.spi.ImageProvider;
import java.io.PrintStream;

/** The {@code default} container registry: any OCI registry, images built and pushed with Jib. */
public final class DefaultContainerRegistryFlavor
    implements ContainerRegistryFlavor<ContainerRegistryConfig> {
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

  /**
   * Pipelines tune their image with {@link ImageSettings} under {@code container_registry.default}.
   */
  @Override
  public Class<ImageSettings> settingsType() {
    return ImageSettings.class;
  }

  /** An image builder pushing to the configured registry. */
  public ImageBuilder open(ContainerRegistryConfig config) {
    return ImageBuilder.newBuilder(config).build();
  }

  /** Jib images of {@code classpath}: released jars, snapshot jars and class folders as layers. */
  @Override
  public ImageProvider images(
      ContainerRegistryConfig config, String classpath, PrintStream progress) {
    return new JibImageProvider(open(config), classpath, progress);
  }
}
