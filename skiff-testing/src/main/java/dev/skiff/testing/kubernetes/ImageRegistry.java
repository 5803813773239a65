package dev.skiff.testing.kubernetes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The images the fake kubelet can "pull": each maps an image reference to what a container runtime
 * would take from the image config (entrypoint, default arguments, environment, working directory).
 * Thread-safe; images can be registered while the cluster runs (a pod stuck in {@code
 * ImagePullBackOff} starts once its image appears).
 *
 * <p>Matching, most specific first:
 *
 * <ol>
 *   <li>the exact reference ({@code registry.local/skiff:digits@sha256:ab..});
 *   <li>the reference without its digest ({@code registry.local/skiff:digits});
 *   <li>the repository alone ({@code registry.local/skiff}): a registration without tag or digest
 *       matches every tag and digest of that repository.
 * </ol>
 *
 * A registration with a tag does not match another tag: a pod asking for {@code :v2} when only
 * {@code :v1} is registered fails with {@code ErrImagePull}, like on a real node.
 *
 * <p>Container {@code command} and {@code args} combine with the image as in Kubernetes: command
 * replaces the entrypoint (and drops the image's default arguments), args replace the default
 * arguments.
 */
public final class ImageRegistry {

  /**
   * JVM options that {@link #javaEntrypoint(String)} adds: containers are short-lived test
   * processes, so start-up time matters more than peak speed.
   */
  public static final List<String> FAST_START_JVM_OPTIONS =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");

  /** Linux refuses single arguments over 128 KiB: longer class paths go through a java @argfile. */
  private static final int MAX_ARGUMENT = 100_000;

  private static final Map<String, Path> ARGUMENT_FILES = new ConcurrentHashMap<>();

  private final Map<String, Image> images = new ConcurrentHashMap<>();

  ImageRegistry() {}

  /**
   * What an image provides. {@code entrypoint} and {@code cmd} are the image's ENTRYPOINT and CMD;
   * {@code env} is added to every container of the image (container env wins); {@code workingDir}
   * is a host directory used when the container sets none (null: a fresh directory per pod). A
   * {@code noOp} image starts no process: its containers finish at once with exit code 0 and an
   * empty log (for benchmarks).
   */
  public record Image(
      List<String> entrypoint,
      List<String> cmd,
      Map<String, String> env,
      Path workingDir,
      boolean noOp) {
    public Image {
      entrypoint = List.copyOf(entrypoint);
      cmd = List.copyOf(cmd);
      env = Map.copyOf(env);
    }

    /** An image whose ENTRYPOINT is {@code entrypoint}, without CMD, env or working directory. */
    public static Image of(List<String> entrypoint) {
      return new Image(entrypoint, List.of(), Map.of(), null, false);
    }

    /** The same image with {@code cmd} as default arguments. */
    public Image withCmd(List<String> cmd) {
      return new Image(entrypoint, cmd, env, workingDir, noOp);
    }

    /** The same image with {@code env} added to every container. */
    public Image withEnv(Map<String, String> env) {
      return new Image(entrypoint, cmd, env, workingDir, noOp);
    }

    /** The same image with a default working directory (a host path). */
    public Image withWorkingDir(Path workingDir) {
      return new Image(entrypoint, cmd, env, workingDir, noOp);
    }
  }

  /** Registers {@code reference} with {@code entrypoint} as its ENTRYPOINT. Returns this. */
  public ImageRegistry register(String reference, List<String> entrypoint) {
    return register(reference, Image.of(entrypoint));
  }

  /** Registers {@code reference} (see the class comment for how references match). Returns this. */
  public ImageRegistry register(String reference, Image image) {
    images.put(requireReference(reference), Objects.requireNonNull(image, "image"));
    return this;
  }

  /**
   * Registers {@code reference} as an image whose entrypoint runs {@code mainClass} in a new JVM on
   * this JVM's class path ({@link #javaEntrypoint(String)}). Returns this.
   */
  public ImageRegistry registerJavaMain(String reference, Class<?> mainClass) {
    return register(reference, javaEntrypoint(mainClass.getName()));
  }

  /**
   * Registers {@code reference} as a no-op image: its containers start no process and succeed at
   * once (exit code 0, empty log). Pods still go through Pending, Running and Succeeded with the
   * same status writes, so API traffic matches real runs. Returns this.
   */
  public ImageRegistry registerNoOp(String reference) {
    return register(reference, new Image(List.of(), List.of(), Map.of(), null, true));
  }

  /** Removes a registration made with exactly {@code reference}. */
  public void unregister(String reference) {
    images.remove(reference);
  }

  /** The image {@code reference} resolves to, if any (see the class comment). */
  public Optional<Image> resolve(String reference) {
    if (reference == null || reference.isBlank()) {
      return Optional.empty();
    }
    Image exact = images.get(reference);
    if (exact != null) {
      return Optional.of(exact);
    }
    String withoutDigest = stripDigest(reference);
    Image tagged = images.get(withoutDigest);
    if (tagged != null) {
      return Optional.of(tagged);
    }
    return Optional.ofNullable(images.get(repository(reference)));
  }

  /**
   * {@code [java, <fast-start options>, -cp, <this JVM's class path>, mainClass]}: an entrypoint
   * that runs {@code mainClass} (for example a test class) in a new JVM.
   */
  public static List<String> javaEntrypoint(String mainClass) {
    return javaEntrypoint(mainClass, FAST_START_JVM_OPTIONS);
  }

  /** {@code [java, jvmOptions..., -cp, <this JVM's class path>, mainClass]}. */
  public static List<String> javaEntrypoint(String mainClass, List<String> jvmOptions) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(jvmOptions);
    String classPath = testClassPath();
    if (classPath.length() < MAX_ARGUMENT) {
      command.add("-cp");
      command.add(classPath);
    } else {
      command.add("@" + classPathArgumentFile(classPath));
    }
    command.add(mainClass);
    return List.copyOf(command);
  }

  private static synchronized Path classPathArgumentFile(String classPath) {
    Path known = ARGUMENT_FILES.get(classPath);
    if (known != null && Files.exists(known)) {
      return known;
    }
    try {
      Path file = Files.createTempFile("skiff-fake-cluster-classpath", ".args");
      file.toFile().deleteOnExit();
      Files.writeString(file, "-cp \"" + classPath.replace("\\", "\\\\") + "\"\n");
      ARGUMENT_FILES.put(classPath, file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code java} executable of the running JVM. */
  public static String javaExecutable() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * This JVM's class path. Under Surefire, {@code java.class.path} holds the test class path
   * (Surefire sets it even when it boots from a manifest-only jar).
   */
  public static String testClassPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    if (surefire != null && !surefire.isBlank()) {
      return surefire;
    }
    return System.getProperty("java.class.path");
  }

  /** {@code name[:tag]} of a reference, without {@code @digest}. */
  static String stripDigest(String reference) {
    int at = reference.indexOf('@');
    return at < 0 ? reference : reference.substring(0, at);
  }

  /** The repository of a reference: no tag, no digest. */
  static String repository(String reference) {
    String name = stripDigest(reference);
    int slash = name.lastIndexOf('/');
    int colon = name.lastIndexOf(':');
    return colon > slash ? name.substring(0, colon) : name;
  }

  private static String requireReference(String reference) {
    if (reference == null
        || reference.isBlank()
        || reference.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "image reference must be non-blank without spaces: " + reference);
    }
    return reference;
  }
}
