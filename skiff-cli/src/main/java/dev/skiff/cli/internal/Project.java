package dev.skiff.cli.internal;

import dev.skiff.core.spi.Backends;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.core.stack.SecretBox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Skiff home: the {@code .skiff/} folder holding the metadata database (runs, stacks, components,
 * encrypted secrets), the secret key and the folder of the {@code default} artifact store. Commands
 * use the nearest {@code .skiff/} from the working folder upward (like git), else the global one
 * under {@code $SKIFF_HOME} (default {@code ~/.config/skiff}).
 *
 * <p>A home may keep its metadata in a server database instead ({@code skiff init
 * --metadata-url=jdbc:postgresql://...}, recorded in {@code config.properties}); {@code
 * SKIFF_METADATA_URL} overrides it for one shell.
 */
public final class Project {
  public static final String DIR = ".skiff";
  public static final String DB_FILE = "skiff.db";
  public static final String ARTIFACTS_DIR = "artifacts";
  public static final String SECRET_KEY_FILE = "secret.key";

  /** Overrides the home's metadata URL for the processes that see it (one shell). */
  public static final String METADATA_URL_ENV = StoreAccess.METADATA_URL_ENV;

  /** The metadata store's password; wins over the one sealed in the home. */
  public static final String METADATA_PASSWORD_ENV = StoreAccess.METADATA_PASSWORD_ENV;

  private final Path home;
  private final boolean global;
  private final Map<String, String> env;

  private Project(Path home, boolean global, Map<String, String> env) {
    this.home = home.toAbsolutePath().normalize();
    this.global = global;
    this.env = Map.copyOf(env);
  }

  /**
   * The nearest {@code .skiff/} from {@code start} upward, else the global home (created if
   * missing).
   */
  public static Project locate(Path start, Map<String, String> env) {
    return findUpward(start, env).orElseGet(() -> global(env));
  }

  public static Optional<Project> findUpward(Path start) {
    return findUpward(start, System.getenv());
  }

  /** Like {@link #findUpward(Path)}; {@code env} gives {@code SKIFF_METADATA_URL} and the like. */
  public static Optional<Project> findUpward(Path start, Map<String, String> env) {
    for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve(DIR))) {
        return Optional.of(new Project(dir.resolve(DIR), false, env));
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
    return create(home, true, env);
  }

  /** Creates {@code dir/.skiff/}; returns it, also when it exists already. */
  public static Project init(Path dir) {
    return init(dir, System.getenv());
  }

  public static Project init(Path dir, Map<String, String> env) {
    return create(dir.resolve(DIR), false, env);
  }

  private static Project create(Path home, boolean global, Map<String, String> env) {
    try {
      Files.createDirectories(home.resolve(ARTIFACTS_DIR));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the Skiff folder " + home + ": " + e.getMessage(), e);
    }
    return new Project(home, global, env);
  }

  public Path home() {
    return home;
  }

  public boolean isGlobal() {
    return global;
  }

  /**
   * The metadata store this process uses: {@code SKIFF_METADATA_URL} if set, else {@link
   * #homeMetadataUrl()}.
   */
  public String metadataUrl() {
    String fromEnv = env.get(METADATA_URL_ENV);
    return fromEnv != null && !fromEnv.isBlank() ? fromEnv.strip() : homeMetadataUrl();
  }

  /**
   * The home's own metadata store: the URL {@code skiff init --metadata-url} recorded in {@code
   * config.properties}, else the SQLite file {@code skiff.db} in the home.
   */
  public String homeMetadataUrl() {
    return HomeConfig.read(home).metadataUrl().orElse("jdbc:sqlite:" + home.resolve(DB_FILE));
  }

  /**
   * The metadata store's password when it is kept apart from the URL: {@code
   * SKIFF_METADATA_PASSWORD} if set, else the one {@code skiff init} sealed in the home (only for
   * the home's own URL: never sent to a server named by {@code SKIFF_METADATA_URL}), else null (the
   * URL's own {@code password=}, {@code ~/.pgpass}, or none).
   */
  public String metadataPassword() {
    String fromEnv = env.get(METADATA_PASSWORD_ENV);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    Optional<String> sealed = HomeConfig.read(home).sealedMetadataPassword();
    if (sealed.isEmpty() || !metadataUrl().equals(homeMetadataUrl())) {
      return null;
    }
    return secretBox().decrypt(sealed.get(), HomeConfig.PASSWORD_AAD);
  }

  /**
   * Records {@code url} as this home's metadata store, with {@code password} (may be null) sealed
   * with the home's secret key: it is never written in plain text. Replaces an earlier URL and
   * password.
   */
  public void useMetadataStore(String url, String password) {
    Objects.requireNonNull(url, "url");
    String sealed =
        password == null ? null : secretBox().encrypt(password, HomeConfig.PASSWORD_AAD);
    HomeConfig.writeMetadata(home, url, sealed);
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
    return Backends.openMetadataStore(
        metadataUrl(), metadataPassword(), Project.class.getClassLoader());
  }

  /**
   * The key that seals secrets and the metadata password: {@code SKIFF_SECRET_KEY} or the key file.
   */
  private SecretBox secretBox() {
    return SecretBox.open(secretKeyFile(), env.get(SecretBox.KEY_ENV));
  }
}
