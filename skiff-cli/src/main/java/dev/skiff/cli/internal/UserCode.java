package dev.skiff.cli.internal;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The user's class path given with {@code --classpath}: entries and a loader over them. */
public final class UserCode {
  private final List<Path> entries;
  private final ClassLoader loader;

  private UserCode(List<Path> entries, ClassLoader loader) {
    this.entries = entries;
    this.loader = loader;
  }

  /**
   * Parses a class path like java's: separated by ':' ({@code ;} on Windows), {@code dir/*} for all
   * jars.
   */
  public static UserCode of(String classpath, ClassLoader parent) {
    List<Path> entries = new ArrayList<>();
    if (classpath != null && !classpath.isBlank()) {
      for (String part : classpath.split(File.pathSeparator)) {
        if (part.isBlank()) {
          continue;
        }
        if (part.endsWith("*")) {
          Path dir = Path.of(part.substring(0, part.length() - 1));
          if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                "class path folder " + dir + " does not exist: build the project first");
          }
          try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "*.jar")) {
            jars.forEach(j -> entries.add(j.toAbsolutePath()));
          } catch (IOException e) {
            throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage(), e);
          }
        } else {
          Path p = Path.of(part);
          if (!Files.exists(p)) {
            throw new IllegalArgumentException(
                "class path entry "
                    + p
                    + " does not exist: build the project first or fix --classpath");
          }
          entries.add(p.toAbsolutePath());
        }
      }
    }
    return withLoader(withManifestClassPaths(entries), parent);
  }

  private static UserCode withLoader(List<Path> entries, ClassLoader parent) {
    if (entries.isEmpty()) {
      return new UserCode(entries, parent);
    }
    URL[] urls = new URL[entries.size()];
    for (int i = 0; i < urls.length; i++) {
      try {
        urls[i] = entries.get(i).toUri().toURL();
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("bad class path entry " + entries.get(i), e);
      }
    }
    return new UserCode(entries, new URLClassLoader("skiff-user-code", urls, parent));
  }

  /**
   * The entries followed by the jars their manifests' {@code Class-Path} names (relative to the
   * jar, recursively), as {@code java -cp} reads them: an image built from the class path must hold
   * them too, or a {@code --classpath app.jar} whose libraries sit in {@code lib/} would miss them
   * in its pods.
   */
  private static List<Path> withManifestClassPaths(List<Path> entries) {
    java.util.LinkedHashSet<Path> all = new java.util.LinkedHashSet<>();
    java.util.ArrayDeque<Path> todo = new java.util.ArrayDeque<>(entries);
    while (!todo.isEmpty()) {
      Path p = todo.poll().normalize();
      if (!all.add(p) || !p.toString().endsWith(".jar") || !Files.isRegularFile(p)) {
        continue;
      }
      try (java.util.jar.JarFile jar = new java.util.jar.JarFile(p.toFile())) {
        java.util.jar.Manifest manifest = jar.getManifest();
        String classPath =
            manifest == null
                ? null
                : manifest.getMainAttributes().getValue(java.util.jar.Attributes.Name.CLASS_PATH);
        if (classPath == null) {
          continue;
        }
        for (String ref : classPath.trim().split("\\s+")) {
          try {
            Path dep = Path.of(p.getParent().toUri().resolve(ref));
            if (Files.exists(dep)) {
              todo.add(dep.toAbsolutePath());
            }
          } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException notAFile) {
            // a URL that is no local file: the JVM would skip it too
          }
        }
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read the jar " + p + " on the class path: " + e.getMessage(), e);
      }
    }
    return new ArrayList<>(all);
  }

  public ClassLoader loader() {
    return loader;
  }

  /** This JVM's class path followed by the user's, for step subprocesses. */
  public String fullClasspath() {
    StringBuilder sb = new StringBuilder(System.getProperty("java.class.path"));
    for (Path p : entries) {
      sb.append(File.pathSeparator).append(p);
    }
    return sb.toString();
  }
}
