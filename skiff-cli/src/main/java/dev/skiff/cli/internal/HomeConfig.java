package dev.skiff.cli.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The settings file of a Skiff home, {@code config.properties}: where its metadata store is ({@code
 * metadata.url}) and that store's password sealed with the home's secret key ({@code
 * metadata.password.sealed}). No file means the defaults (the home's SQLite file).
 */
public final class HomeConfig {
  public static final String FILE = "config.properties";
  public static final String METADATA_URL = "metadata.url";
  public static final String METADATA_PASSWORD_SEALED = "metadata.password.sealed";

  /** What the sealed password is bound to (AES-GCM associated data). */
  public static final String PASSWORD_AAD = "metadata.password";

  private static final String PASSWORD_PARAMETER = "password=";

  private final Properties properties;

  private HomeConfig(Properties properties) {
    this.properties = properties;
  }

  /** A URL without its {@code password=} parameter, and that parameter's value (or null). */
  public record UrlAndPassword(String url, String password) {
    @Override
    public String toString() {
      return "UrlAndPassword[" + url + (password == null ? "" : ", password=<hidden>") + "]";
    }
  }

  /** Reads {@code home/config.properties}; empty when there is none. */
  public static HomeConfig read(Path home) {
    Properties properties = new Properties();
    Path file = home.resolve(FILE);
    if (Files.isRegularFile(file)) {
      try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        properties.load(reader);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    return new HomeConfig(properties);
  }

  public Optional<String> metadataUrl() {
    return Optional.ofNullable(blankToNull(properties.getProperty(METADATA_URL)));
  }

  public Optional<String> sealedMetadataPassword() {
    return Optional.ofNullable(blankToNull(properties.getProperty(METADATA_PASSWORD_SEALED)));
  }

  /**
   * Writes the metadata URL and sealed password (null: none) into {@code home/config.properties},
   * keeping its other keys. Owner-only, replaced in one move so readers never see half a file.
   */
  public static void writeMetadata(Path home, String url, String sealedPassword) {
    Properties properties = read(home).properties;
    properties.setProperty(METADATA_URL, url);
    if (sealedPassword == null) {
      properties.remove(METADATA_PASSWORD_SEALED);
    } else {
      properties.setProperty(METADATA_PASSWORD_SEALED, sealedPassword);
    }
    write(home.resolve(FILE), properties);
  }

  /** Splits off the {@code password=} query parameter (decoded), so it is never stored as is. */
  public static UrlAndPassword withoutPassword(String url) {
    int query = url.indexOf('?');
    if (query < 0) {
      return new UrlAndPassword(url, null);
    }
    String password = null;
    List<String> kept = new ArrayList<>();
    for (String parameter : url.substring(query + 1).split("&")) {
      if (parameter.startsWith(PASSWORD_PARAMETER)) {
        password =
            URLDecoder.decode(
                parameter.substring(PASSWORD_PARAMETER.length()), StandardCharsets.UTF_8);
      } else if (!parameter.isEmpty()) {
        kept.add(parameter);
      }
    }
    String rest = url.substring(0, query) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    return new UrlAndPassword(rest, password == null || password.isEmpty() ? null : password);
  }

  // Written by hand rather than with Properties.store: no date line, and URLs stay readable
  // (store() would write jdbc\:postgresql\://...). Properties.load reads it back.
  private static void write(Path file, Properties properties) {
    StringBuilder text =
        new StringBuilder("# Skiff home settings (skiff init); passwords are only ever sealed.\n");
    new TreeMap<>(properties)
        .forEach(
            (key, value) ->
                text.append(escape(key.toString()))
                    .append('=')
                    .append(escape(value.toString()))
                    .append('\n'));
    try {
      Path temp = Files.createTempFile(file.getParent(), ".config", ".tmp");
      try {
        try {
          Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
          // Windows: the user's profile folder is private already
        }
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        try {
          Files.move(
              temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Backslashes and line breaks, the only characters of a URL that Properties.load would alter. */
  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
