package dev.skiff.client.internal;

import dev.skiff.core.spi.Backends;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.core.stack.SecretBox;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * A Skiff home as the CLI lays it out, read only: the nearest {@code .skiff/} from a folder upward,
 * else the global home ({@code $SKIFF_HOME}, default {@code ~/.config/skiff}); its metadata store
 * ({@code SKIFF_METADATA_URL}, else {@code metadata.url} of {@code config.properties}, else the
 * SQLite file {@code skiff.db}) and password ({@code SKIFF_METADATA_PASSWORD}, else the one sealed
 * in the home); the key that seals secrets ({@code SKIFF_SECRET_KEY} or {@code secret.key}).
 *
 * <p>The same rules as the CLI's {@code Project} and {@code HomeConfig}, without the writing.
 */
public final class Home {
  public static final String DIR = ".skiff";
  static final String DB_FILE = "skiff.db";
  static final String CONFIG_FILE = "config.properties";
  static final String SECRET_KEY_FILE = "secret.key";
  static final String METADATA_URL = "metadata.url";
  static final String METADATA_PASSWORD_SEALED = "metadata.password.sealed";
  static final String PASSWORD_AAD = "metadata.password";

  private final Path dir;
  private final Map<String, String> env;

  private Home(Path dir, Map<String, String> env) {
    this.dir = dir.toAbsolutePath().normalize();
    this.env = Map.copyOf(env);
  }

  /** The nearest {@code .skiff/} from {@code start} upward, else the global home. */
  public static Home locate(Path start, Map<String, String> env) {
    for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve(DIR))) {
        return new Home(d.resolve(DIR), env);
      }
    }
    String skiffHome = env.get("SKIFF_HOME");
    Path global =
        skiffHome != null && !skiffHome.isBlank()
            ? Path.of(skiffHome)
            : Path.of(System.getProperty("user.home"), ".config", "skiff");
    return new Home(global, env);
  }

  /** {@code path/.skiff} when {@code path} is a project folder, else {@code path} itself. */
  public static Home at(Path path, Map<String, String> env) {
    Path project = path.resolve(DIR);
    return new Home(Files.isDirectory(project) ? project : path, env);
  }

  public Path dir() {
    return dir;
  }

  /** Whether the folder exists or a metadata URL is given in the environment. */
  public boolean exists() {
    return Files.isDirectory(dir) || fromEnv(StoreAccess.METADATA_URL_ENV) != null;
  }

  public String metadataUrl() {
    String fromEnv = fromEnv(StoreAccess.METADATA_URL_ENV);
    return fromEnv != null ? fromEnv.strip() : homeMetadataUrl();
  }

  /**
   * {@code SKIFF_METADATA_PASSWORD}, else the password sealed in the home (for the home's own URL
   * only), else null.
   */
  public String metadataPassword() {
    String fromEnv = env.get(StoreAccess.METADATA_PASSWORD_ENV);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    Optional<String> sealed = property(METADATA_PASSWORD_SEALED);
    if (sealed.isEmpty() || !metadataUrl().equals(homeMetadataUrl())) {
      return null;
    }
    return secretBox().decrypt(sealed.get(), PASSWORD_AAD);
  }

  public MetadataStore openMetadataStore() {
    return Backends.openMetadataStore(
        metadataUrl(), metadataPassword(), Home.class.getClassLoader());
  }

  public SecretBox secretBox() {
    return SecretBox.open(dir.resolve(SECRET_KEY_FILE), env.get(SecretBox.KEY_ENV));
  }

  /** The folder of the home's {@code default} artifact store. */
  public Path artifactsDir() {
    return dir.resolve("artifacts");
  }

  private String homeMetadataUrl() {
    return property(METADATA_URL).orElse("jdbc:sqlite:" + dir.resolve(DB_FILE));
  }

  private String fromEnv(String key) {
    String value = env.get(key);
    return value == null || value.isBlank() ? null : value;
  }

  private Optional<String> property(String key) {
    Path file = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    String value = properties.getProperty(key);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }
}
