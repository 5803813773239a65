package dev.skiff.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * This user's cache folder for what Skiff can make again at any time (start-up aids such as an
 * extracted native library or a class-data-sharing archive): {@code $SKIFF_CACHE_DIR}, else {@code
 * $XDG_CACHE_HOME/skiff}, else {@code ~/.cache/skiff}. Deleting it loses nothing.
 */
public final class UserCache {
  public static final String ENV = "SKIFF_CACHE_DIR";

  private UserCache() {}

  /**
   * The folder {@code name} in the cache, created if missing; empty if it cannot be written (a
   * read-only home).
   */
  public static Optional<Path> dir(String name) {
    return dir(System.getenv(), System.getProperty("user.home"), name);
  }

  static Optional<Path> dir(Map<String, String> env, String home, String name) {
    Path root;
    if (isSet(env.get(ENV))) {
      root = Path.of(env.get(ENV));
    } else if (isSet(env.get("XDG_CACHE_HOME"))) {
      root = Path.of(env.get("XDG_CACHE_HOME"), "skiff");
    } else if (isSet(home) && !home.equals("?")) {
      root = Path.of(home, ".cache", "skiff");
    } else {
      return Optional.empty();
    }
    try {
      Path dir = Files.createDirectories(root.resolve(name));
      return Files.isWritable(dir) ? Optional.of(dir) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static boolean isSet(String value) {
    return value != null && !value.isBlank();
  }
}
