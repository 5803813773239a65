package dev.skiff.core.spi;

import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.Flavor;
import java.io.PrintStream;

/**
 * A flavor of container registry: builds the image {@code <registry>/skiff:<pipeline>} that pods
 * run, from the class path of the client (Skiff and the user's code), and pushes it.
 */
public interface ContainerRegistryFlavor<C extends Record> extends Flavor<C> {
  @Override
  default ComponentType type() {
    return ComponentType.CONTAINER_REGISTRY;
  }

  /**
   * Images of the class path {@code classpath} for the registry {@code config} describes.
   *
   * @param progress where build and push progress is shown to people
   */
  ImageProvider images(C config, String classpath, PrintStream progress);
}
