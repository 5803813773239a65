package dev.skiff.images;

import java.util.List;
import java.util.Map;

/**
 * How a pipeline's image is built, as settings {@code "container_registry.default"} of the
 * pipeline: {@code setting("container_registry.default", new ImageSettings(...))} or a map of these
 * fields. Every field is also a field of {@link ContainerRegistryConfig}, which gives its starting
 * value; pipeline settings (and {@code --set}) override it field by field.
 *
 * @param baseImage base image (default {@code eclipse-temurin:17-jre}); prefer a digest
 * @param environment env of the container
 * @param jvmFlags flags of the JVM that runs each pod, e.g. {@code -Xmx4g}
 * @param extraFiles files to add: path in the image to a file on this machine
 * @param image a prebuilt image to use instead of building one
 */
public record ImageSettings(
    String baseImage,
    Map<String, String> environment,
    List<String> jvmFlags,
    Map<String, String> extraFiles,
    String image) {
  public static final String KEY = "container_registry.default";

  public ImageSettings {
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    jvmFlags = jvmFlags == null ? List.of() : List.copyOf(jvmFlags);
    extraFiles = extraFiles == null ? Map.of() : Map.copyOf(extraFiles);
    for (String path : extraFiles.keySet()) {
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException(
            "extra file paths in the image must be absolute, got '" + path + "'");
      }
    }
  }

  /** These settings applied to {@code spec}. */
  public ImageSpec applyTo(ImageSpec spec) {
    ImageSpec.Builder b = spec.toBuilder();
    if (baseImage != null && !baseImage.isBlank()) {
      b.baseImage(baseImage);
    }
    environment.forEach(b::putEnvironment);
    if (!jvmFlags.isEmpty()) {
      b.jvmFlags(jvmFlags);
    }
    extraFiles.forEach((target, source) -> b.putExtraFile(target, java.nio.file.Path.of(source)));
    return b.build();
  }
}
