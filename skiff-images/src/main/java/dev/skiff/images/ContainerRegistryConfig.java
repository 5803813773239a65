package dev.skiff.images;

import dev.skiff.images.internal.RegistryUri;

/**
 * Configuration of the {@code default} container registry flavor.
 *
 * @param uri where images go, without a scheme: a host with an optional port and path, e.g.
 *     {@code registry.example.com/team} or {@code localhost:5000} (required)
 * @param insecure whether the registry may be reached over plain HTTP or with an untrusted
 *     certificate (default false)
 * @param username user name for the registry (optional; without it credentials come from the
 *     Docker config {@code ~/.docker/config.json} and credential helpers)
 * @param password password or token, given as a secret reference such as {@code
 *     {{secret.registry.password}}} (required with {@code username})
 * @param credentialHelper a Docker credential helper, e.g. {@code gcr} for {@code
 *     docker-credential-gcr} or a path to one (optional)
 * @param baseImage the base image of every pipeline image built for this registry (default: a
 *     pipeline's own {@code container_registry.default} setting, else {@code
 *     eclipse-temurin:17-jre}); a pipeline's setting wins
 */
public record ContainerRegistryConfig(String uri, Boolean insecure, String username, String password, String credentialHelper, String baseImage) {
  public ContainerRegistryConfig {
    uri = RegistryUri.validate(uri);
    insecure = insecure != null && insecure;
    username = blankToNull(username);
    password = blankToNull(password);
    credentialHelper = blankToNull(credentialHelper);
    baseImage = blankToNull(baseImage);
    if (username != null && password == null) {
      throw new IllegalArgumentException("password is required with username: give it as a secret reference, e.g. --password={{secret.registry.password}}");
    }
    if (password != null && username == null) {
      throw new IllegalArgumentException("username is required with password");
    }
  }

  /** A registry with credentials of its own and the default base image. */
  public ContainerRegistryConfig(String uri, Boolean insecure, String username, String password, String credentialHelper) {
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
    return "ContainerRegistryConfig[uri=" + uri + ", insecure=" + insecure + ", username=" + username + ", password=" + (password == null ? null : "***") + ", credentialHelper=" + credentialHelper + ", baseImage=" + baseImage + "]";
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
