package dev.skiff.images;

import java.util.List;
import java.util.Map;

/**
 * Configuration of the {@code default} container registry flavor.
 *
 * @param uri where images go, without a scheme: a host with an optional port and path, e.g. {@code
 *     registry.example.com/team} or {@code localhost:5000} (required)
 * @param insecure whether the registry may be reached over plain HTTP or with an untrusted
 *     certificate (default false)
 * @param username user name for the registry (optional; without it credentials come from the Docker
 *     config {@code ~/.docker/config.json} and credential helpers)
 * @param password password or token, given as a secret reference such as {@code
 *     {{secret.registry.password}}} (required with {@code username})
 * @param credentialHelper a Docker credential helper, e.g. {@code gcr} for {@code
 *     docker-credential-gcr} or a path to one (optional)
 * @param baseImage the base image of every pipeline image built for this registry (default {@code
 *     eclipse-temurin:17-jre})
 * @param environment env of every image's container (default none)
 * @param jvmFlags flags of the JVM in every image (default none)
 * @param extraFiles files added to every image: absolute path in the image to a file on this
 *     machine (default none)
 * @param image a prebuilt image to use instead of building one (default none: build)
 *     <p>{@code baseImage}, {@code environment}, {@code jvmFlags}, {@code extraFiles} and {@code
 *     image} are also the fields of {@link ImageSettings}: they give the starting values that a
 *     pipeline's (or {@code --set}'s) {@code container_registry.default} settings override.
 */
public record ContainerRegistryConfig(
    String uri,
    Boolean insecure,
    String username,
    String password,
    String credentialHelper,
    String baseImage,
    Map<String, String> environment,
    List<String> jvmFlags,
    Map<String, String> extraFiles,
    String image) {
  public ContainerRegistryConfig {
    uri = RegistryUri.validate(uri);
    insecure = insecure != null && insecure;
    username = blankToNull(username);
    password = blankToNull(password);
    credentialHelper = blankToNull(credentialHelper);
    baseImage = blankToNull(baseImage);
    if (username != null && password == null) {
      throw new IllegalArgumentException(
          "password is required with username: give it as a secret reference, e.g. --password={{secret.registry.password}}");
    }
    if (password != null && username == null) {
      throw new IllegalArgumentException("username is required with password");
    }
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    jvmFlags = jvmFlags == null ? List.of() : List.copyOf(jvmFlags);
    extraFiles = extraFiles == null ? Map.of() : Map.copyOf(extraFiles);
    for (String path : extraFiles.keySet()) {
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException(
            "extra file paths in the image must be absolute, got '" + path + "'");
      }
    }
    image = blankToNull(image);
  }

  /** A registry with credentials of its own and a base image; nothing else set. */
  public ContainerRegistryConfig(
      String uri,
      Boolean insecure,
      String username,
      String password,
      String credentialHelper,
      String baseImage) {
    this(uri, insecure, username, password, credentialHelper, baseImage, null, null, null, null);
  }

  /** A registry with credentials of its own and the default base image. */
  public ContainerRegistryConfig(
      String uri, Boolean insecure, String username, String password, String credentialHelper) {
    this(uri, insecure, username, password, credentialHelper, null);
  }

  /** A registry without credentials of its own (Docker config and credential helpers apply). */
  public static ContainerRegistryConfig of(String uri, boolean insecure) {
    return new ContainerRegistryConfig(uri, insecure, null, null, null, null);
  }

  /** Whether plain HTTP is allowed; never null. */
  public boolean isInsecure() {
    return insecure;
  }

  @Override
  public String toString() {
    return "ContainerRegistryConfig[uri="
        + uri
        + ", insecure="
        + insecure
        + ", username="
        + username
        + ", password="
        + (password == null ? null : "***")
        + ", credentialHelper="
        + credentialHelper
        + ", baseImage="
        + baseImage
        + ", environment="
        + environment.keySet()
        + ", jvmFlags="
        + jvmFlags
        + ", extraFiles="
        + extraFiles
        + ", image="
        + image
        + "]";
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
