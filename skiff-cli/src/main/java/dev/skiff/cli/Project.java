package dev.skiff.cli;

import dev.skiff.core.Backends;
import dev.skiff.core.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A Skiff home: the {@code .skiff/} folder holding the metadata database (runs, stacks,
 * components, encrypted secrets), the secret key and the folder of the {@code default} artifact
 * store. Commands use the nearest {@code .skiff/} from the working folder upward (like
 * git), else the global one under {@code $SKIFF_HOME} (default {@code ~/.config/skiff}).
 */
public final class Project {
  public static final String DIR = ".skiff";
  public static final String DB_FILE = "skiff.db";
  public static final String ARTIFACTS_DIR = "artifacts";
  public static final String SECRET_KEY_FILE = "secret.key";

  private final Path home;
  private final boolean global;

  private Project(Path home, boolean global) {
    this.home = home.toAbsolutePath().normalize();
    this.global = global;
  }

  /** The nearest {@code .skiff/} from {@code start} upward, else the global home (created if missing). */
  public static Project locate(Path start, Map<String, String> env) {
    return findUpward(start).orElseGet(() -> global(env));
  }

  public static Optional<Project> findUpward(Path start) {
    for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve(DIR))) {
        return Optional.of(new Project(dir.resolve(DIR), false));
      }
    }
    return Optional.empty();
  }

  public static Project global(Map<String, String> env) {
    String skiffHome = env.get("SKIFF_HOME");
    Path home =
        skiffHome != null && !skiffHome.isBlank()
            ? Path.of(skiffHome)
            : Path.of(System.getProperty("user.home"), ".config", "skiff");
    return create(home, true);
  }

  /** Creates {@code dir/.skiff/}; returns it, also when it exists already. */
  public static Project init(Path dir) {
    return create(dir.resolve(DIR), false);
  }

  private static Project create(Path home, boolean global) {
    try {
      Files.createDirectories(home.resolve(ARTIFACTS_DIR));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Skiff folder " + home + ": " + e.getMessage(), e);
    }
    return new Project(home, global);
  }

  public Path home() {
    return home;
  }

  public boolean isGlobal() {
    return global;
  }

  public String metadataUrl() {
    return "jdbc:sqlite:" + home.resolve(DB_FILE);
  }

  /**
   * The metadata store's password when it is kept apart from the URL (null: in the URL, in
   * {@code ~/.pgpass}, or none).
   */
  public String metadataPassword() {
    return null;
  }

  /** Folder of the {@code default} artifact store. */
  public Path artifactsDir() {
    return home.resolve(ARTIFACTS_DIR);
  }

  /** Address of the {@code default} artifact store's folder. */
  public String artifactUri() {
    return artifactsDir().toUri().toString();
  }

  /** The key that encrypts secrets (created on first use, readable by its owner only). */
  public Path secretKeyFile() {
    return home.resolve(SECRET_KEY_FILE);
  }

  public MetadataStore openMetadataStore() {
    return Backends.openMetadataStore(metadataUrl(), Project.class.getClassLoader());
  }
}
