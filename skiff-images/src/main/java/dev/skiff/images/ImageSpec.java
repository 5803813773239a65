package dev.skiff.images;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What goes into a pipeline image. Layers, most stable first: the base image, released
 * dependencies, snapshot dependencies, resources, classes, extra files. The entrypoint is {@code
 * java <jvmFlags> -cp /app/resources:/app/classes:/app/libs/* <mainClass>}.
 *
 * <p>Immutable; make one with {@link #newBuilder()}.
 */
public final class ImageSpec {
  /** The default base image: a maintained Java 17 runtime. */
  public static final String DEFAULT_BASE_IMAGE = "eclipse-temurin:17-jre";

  /** The Skiff pod entrypoint (module skiff-kubernetes), the default main class. */
  public static final String POD_MAIN_CLASS = "dev.skiff.kubernetes.internal.PodMain";

  private final String baseImage;
  private final String mainClass;
  private final List<String> jvmFlags;
  private final Map<String, String> environment;
  private final List<Path> releasedJars;
  private final List<Path> snapshotJars;
  private final List<Path> resourceDirs;
  private final List<Path> classDirs;
  private final Map<String, Path> extraFiles;

  private ImageSpec(Builder b) {
    this.baseImage = b.baseImage;
    this.mainClass = b.mainClass;
    this.jvmFlags = List.copyOf(b.jvmFlags);
    this.environment = java.util.Collections.unmodifiableMap(new TreeMap<>(b.environment));
    this.releasedJars = List.copyOf(b.releasedJars);
    this.snapshotJars = List.copyOf(b.snapshotJars);
    this.resourceDirs = List.copyOf(b.resourceDirs);
    this.classDirs = List.copyOf(b.classDirs);
    this.extraFiles = java.util.Collections.unmodifiableMap(new TreeMap<>(b.extraFiles));
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  public static Builder newBuilder(ImageSpec copy) {
    return new Builder(copy);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Base image reference; default {@link #DEFAULT_BASE_IMAGE}. */
  public String baseImage() {
    return baseImage;
  }

  /** Main class; default {@link #POD_MAIN_CLASS}. */
  public String mainClass() {
    return mainClass;
  }

  /** JVM flags before {@code -cp}; default none. */
  public List<String> jvmFlags() {
    return jvmFlags;
  }

  /** Environment variables of the container, sorted by name; default none. */
  public Map<String, String> environment() {
    return environment;
  }

  /** Jars of released dependencies (the most stable layer); default none. */
  public List<Path> releasedJars() {
    return releasedJars;
  }

  /** Jars of snapshot dependencies; default none. */
  public List<Path> snapshotJars() {
    return snapshotJars;
  }

  /** Folders of resources; default none. */
  public List<Path> resourceDirs() {
    return resourceDirs;
  }

  /** Folders of compiled classes (the layer that changes most); default none. */
  public List<Path> classDirs() {
    return classDirs;
  }

  /** Extra files: absolute path in the container to the file on this machine; default none. */
  public Map<String, Path> extraFiles() {
    return extraFiles;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageSpec s
        && baseImage.equals(s.baseImage)
        && mainClass.equals(s.mainClass)
        && jvmFlags.equals(s.jvmFlags)
        && environment.equals(s.environment)
        && releasedJars.equals(s.releasedJars)
        && snapshotJars.equals(s.snapshotJars)
        && resourceDirs.equals(s.resourceDirs)
        && classDirs.equals(s.classDirs)
        && extraFiles.equals(s.extraFiles);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        baseImage,
        mainClass,
        jvmFlags,
        environment,
        releasedJars,
        snapshotJars,
        resourceDirs,
        classDirs,
        extraFiles);
  }

  @Override
  public String toString() {
    return "ImageSpec{baseImage="
        + baseImage
        + ", mainClass="
        + mainClass
        + ", jvmFlags="
        + jvmFlags
        + ", environment="
        + environment.keySet()
        + ", releasedJars="
        + releasedJars.size()
        + ", snapshotJars="
        + snapshotJars.size()
        + ", resourceDirs="
        + resourceDirs
        + ", classDirs="
        + classDirs
        + ", extraFiles="
        + extraFiles.keySet()
        + "}";
  }

  /**
   * Builds an {@link ImageSpec}; setters reject bad input with {@link IllegalArgumentException}.
   */
  public static final class Builder {
    private String baseImage = DEFAULT_BASE_IMAGE;
    private String mainClass = POD_MAIN_CLASS;
    private final List<String> jvmFlags = new ArrayList<>();
    private final Map<String, String> environment = new TreeMap<>();
    private final List<Path> releasedJars = new ArrayList<>();
    private final List<Path> snapshotJars = new ArrayList<>();
    private final List<Path> resourceDirs = new ArrayList<>();
    private final List<Path> classDirs = new ArrayList<>();
    private final Map<String, Path> extraFiles = new TreeMap<>();

    private Builder() {}

    private Builder(ImageSpec s) {
      baseImage = s.baseImage;
      mainClass = s.mainClass;
      jvmFlags.addAll(s.jvmFlags);
      environment.putAll(s.environment);
      releasedJars.addAll(s.releasedJars);
      snapshotJars.addAll(s.snapshotJars);
      resourceDirs.addAll(s.resourceDirs);
      classDirs.addAll(s.classDirs);
      extraFiles.putAll(s.extraFiles);
    }

    public Builder baseImage(String image) {
      this.baseImage = nonBlank(image, "base image");
      return this;
    }

    public Builder mainClass(String className) {
      this.mainClass = nonBlank(className, "main class");
      return this;
    }

    public Builder jvmFlags(List<String> flags) {
      jvmFlags.clear();
      for (String f : flags) {
        jvmFlags.add(nonBlank(f, "JVM flag"));
      }
      return this;
    }

    public Builder environment(Map<String, String> env) {
      environment.clear();
      env.forEach(this::putEnvironment);
      return this;
    }

    public Builder putEnvironment(String name, String value) {
      if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
        throw new IllegalArgumentException("invalid environment variable name '" + name + "'");
      }
      environment.put(name, Objects.requireNonNull(value, "value of " + name));
      return this;
    }

    public Builder releasedJars(List<Path> jars) {
      return replace(releasedJars, jars, "released jar");
    }

    public Builder snapshotJars(List<Path> jars) {
      return replace(snapshotJars, jars, "snapshot jar");
    }

    public Builder resourceDirs(List<Path> dirs) {
      return replace(resourceDirs, dirs, "resource folder");
    }

    public Builder classDirs(List<Path> dirs) {
      return replace(classDirs, dirs, "class folder");
    }

    /** Adds a file at an absolute path in the container. */
    public Builder putExtraFile(String containerPath, Path source) {
      if (containerPath == null || !containerPath.startsWith("/")) {
        throw new IllegalArgumentException(
            "extra file destination must be an absolute container path, got '"
                + containerPath
                + "'");
      }
      extraFiles.put(containerPath, Objects.requireNonNull(source, "source of " + containerPath));
      return this;
    }

    public ImageSpec build() {
      return new ImageSpec(this);
    }

    private Builder replace(List<Path> target, List<Path> values, String what) {
      target.clear();
      for (Path p : values) {
        target.add(Objects.requireNonNull(p, what).toAbsolutePath().normalize());
      }
      return this;
    }

    private static String nonBlank(String s, String what) {
      if (s == null || s.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank");
      }
      return s.trim();
    }
  }
}
