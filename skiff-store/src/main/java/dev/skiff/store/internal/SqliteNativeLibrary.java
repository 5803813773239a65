package dev.skiff.store.internal;

import dev.skiff.core.internal.UserCache;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.UUID;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * Keeps sqlite-jdbc's native library extracted in the user cache, so a JVM does not write it to the
 * temporary folder again: by default sqlite-jdbc extracts (1 MB, then compares it byte by byte) and
 * asks {@code uname} about the system on every start, which every step process and {@code skiff}
 * command paid. The first JVM on a machine extracts the library of sqlite-jdbc's own choosing into
 * {@code <cache>/sqlite-native/<version>-<os>-<arch>/}; later ones point sqlite-jdbc there ({@code
 * org.sqlite.lib.path}/{@code .name}). If that copy does not load, sqlite-jdbc falls back to
 * extracting its own, as before; settings the user gave win.
 */
final class SqliteNativeLibrary {
  private static final String PATH = "org.sqlite.lib.path";
  private static final String NAME = "org.sqlite.lib.name";
  private static boolean done;

  private SqliteNativeLibrary() {}

  /**
   * Points sqlite-jdbc at the cached library, extracting it first if needed; best effort, once per
   * JVM.
   */
  static synchronized void useCached() {
    if (done) {
      return;
    }
    done = true;
    if (System.getProperty(PATH) != null || System.getProperty(NAME) != null) {
      return;
    }
    try {
      String folder =
          SQLiteJDBCLoader.getVersion()
              + "-"
              + clean(System.getProperty("os.name"))
              + "-"
              + clean(System.getProperty("os.arch"));
      Path dir = UserCache.dir("sqlite-native").map(d -> d.resolve(folder)).orElse(null);
      if (dir == null) {
        return;
      }
      Path library = dir.resolve(System.mapLibraryName(LibraryLoaderUtil.NATIVE_LIB_BASE_NAME));
      if (!Files.isRegularFile(library)) {
        // sqlite-jdbc's own choice for this system (asks uname once), under one fixed name
        String resource =
            LibraryLoaderUtil.getNativeLibResourcePath()
                + "/"
                + LibraryLoaderUtil.getNativeLibName();
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
          if (in == null) {
            return; // no bundled library for this system: sqlite-jdbc finds its own way
          }
          Files.createDirectories(dir);
          Path part = dir.resolve(library.getFileName() + "." + UUID.randomUUID() + ".part");
          try {
            Files.copy(in, part);
            Files.move(
                part, library, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          } finally {
            Files.deleteIfExists(part);
          }
        }
      }
      System.setProperty(PATH, dir.toString());
      System.setProperty(NAME, library.getFileName().toString());
    } catch (IOException | RuntimeException | LinkageError e) {
      // a start-up aid only: sqlite-jdbc extracts its library itself
    }
  }

  private static String clean(String s) {
    return s == null ? "unknown" : s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.]+", "_");
  }
}
