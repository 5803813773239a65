package dev.skiff.images;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.JavaContainerBuilder;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Builds pipeline images with Jib and pushes them to a registry as {@code <uri>/skiff:<pipeline>},
 * also tagged with the content hash of the inputs. No Docker daemon is needed. Builds are
 * reproducible (fixed timestamps), so only changed layers are uploaded and an unchanged project
 * gives the same digest without uploading anything.
 *
 * <p>Jib takes two switches from system properties only, so building sets them for the JVM: {@code
 * jib.skipExistingImages=true} (unless set already), and {@code sendCredentialsOverHttp=true} when
 * an {@code insecure} registry has a username.
 *
 * <p>Immutable and thread-safe; make one with {@link #newBuilder(ContainerRegistryConfig)}.
 */
public final class ImageBuilder {
  /** Repository name under the registry URI. */
  public static final String REPOSITORY_NAME = "skiff";

  private static final String SKIP_EXISTING_IMAGES = "jib.skipExistingImages";
  private static final String SEND_CREDENTIALS_OVER_HTTP = "sendCredentialsOverHttp";

  private final ContainerRegistryConfig registry;
  private final Path cacheDirectory;
  private final Consumer<ImageEvent> listener;

  private ImageBuilder(Builder b) {
    this.registry = b.registry;
    this.cacheDirectory = b.cacheDirectory;
    this.listener = b.listener;
  }

  public static Builder newBuilder(ContainerRegistryConfig registry) {
    return new Builder(registry);
  }

  public Builder toBuilder() {
    return new Builder(registry).cacheDirectory(cacheDirectory).listener(listener);
  }

  /** The repository images go to, e.g. {@code registry.example.com/team/skiff}. */
  public String repository() {
    return registry.uri() + "/" + REPOSITORY_NAME;
  }

  /**
   * Builds the image of {@code pipeline} and pushes it (only the blobs the registry lacks).
   *
   * @throws IllegalArgumentException if {@code pipeline} is not a valid image tag
   * @throws ImageBuildException with a one-line message if the build or push fails
   */
  public BuiltImage buildAndPush(String pipeline, ImageSpec spec) throws InterruptedException {
    if (!RegistryUri.isValidTag(pipeline)) {
      throw new IllegalArgumentException(
          "pipeline name '"
              + pipeline
              + "' cannot be an image tag: use letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-')");
    }
    String target = repository() + ":" + pipeline;
    JibEvents events = new JibEvents(listener);
    try {
      String contentTag = "c-" + contentHash(spec).substring(0, 32);
      JibContainerBuilder container = containerBuilder(spec, events);
      Containerizer containerizer =
          Containerizer.to(
                  withCredentials(
                      RegistryImage.named(target), ImageReference.parse(target), events))
              .withAdditionalTag(contentTag)
              .setAllowInsecureRegistries(registry.isInsecure())
              .setToolName("skiff")
              .addEventHandler(events);
      if (cacheDirectory != null) {
        containerizer
            .setBaseImageLayersCache(cacheDirectory.resolve("base"))
            .setApplicationLayersCache(cacheDirectory.resolve("application"));
      }
      if (System.getProperty(SKIP_EXISTING_IMAGES) == null) {
        // Jib reads these switches from system properties only
        System.setProperty(SKIP_EXISTING_IMAGES, "true");
      }
      if (registry.isInsecure() && registry.username() != null) {
        // the user allowed plain HTTP for this registry and gave credentials for it
        System.setProperty(SEND_CREDENTIALS_OVER_HTTP, "true");
      }
      JibContainer result = container.containerize(containerizer);
      events.finish();
      return new BuiltImage(
          repository(),
          pipeline,
          contentTag,
          result.getDigest().toString(),
          result.isImagePushed(),
          events.pushedBlobs(),
          events.skippedBlobs());
    } catch (InterruptedException e) {
      throw e;
    } catch (IllegalArgumentException | ImageBuildException e) {
      throw e;
    } catch (Exception e) {
      throw new ImageBuildException(JibErrors.describe(e, target), e);
    }
  }

  private JibContainerBuilder containerBuilder(ImageSpec spec, JibEvents events)
      throws IOException, InvalidImageReferenceException {
    ImageReference baseRef = ImageReference.parse(spec.baseImage());
    JavaContainerBuilder java =
        baseRef.isScratch()
            ? JavaContainerBuilder.from(baseRef)
            : JavaContainerBuilder.from(
                withCredentials(RegistryImage.named(baseRef), baseRef, events));
    List<Path> released = existingFiles(spec.releasedJars(), "released jar");
    List<Path> snapshots = existingFiles(spec.snapshotJars(), "snapshot jar");
    for (Path dir : spec.resourceDirs()) {
      if (Files.isDirectory(dir)) {
        java.addResources(dir);
      }
    }
    for (Path dir : spec.classDirs()) {
      if (Files.isDirectory(dir)) {
        java.addClasses(dir);
      }
    }
    // the class path follows the order of these calls; the layers are always ordered most stable
    // first
    if (!released.isEmpty()) {
      java.addDependencies(released);
    }
    if (!snapshots.isEmpty()) {
      java.addSnapshotDependencies(snapshots);
    }
    java.addJvmFlags(spec.jvmFlags()).setMainClass(spec.mainClass());
    JibContainerBuilder container = java.toContainerBuilder().setFormat(ImageFormat.OCI);
    spec.environment().forEach(container::addEnvironmentVariable);
    if (!spec.extraFiles().isEmpty()) {
      FileEntriesLayer.Builder extra = FileEntriesLayer.builder().setName("extra files");
      for (Map.Entry<String, Path> e : spec.extraFiles().entrySet()) {
        existingFiles(List.of(e.getValue()), "extra file");
        extra.addEntry(e.getValue(), AbsoluteUnixPath.get(e.getKey()));
      }
      container.addFileEntriesLayer(extra.build());
    }
    return container;
  }

  private RegistryImage withCredentials(RegistryImage image, ImageReference ref, JibEvents events) {
    Consumer<LogEvent> log = events::accept;
    CredentialRetrieverFactory credentials = CredentialRetrieverFactory.forImage(ref, log);
    boolean ours =
        (ref.getRegistry() + "/" + ref.getRepository()).startsWith(registry.uri() + "/")
            || ref.getRegistry().equals(registry.uri());
    if (ours && registry.username() != null) {
      image.addCredential(registry.username(), registry.password());
    }
    if (ours && registry.credentialHelper() != null) {
      String helper = registry.credentialHelper();
      image.addCredentialRetriever(
          helper.contains("/")
              ? credentials.dockerCredentialHelper(Path.of(helper))
              : credentials.dockerCredentialHelper("docker-credential-" + helper));
    }
    return image
        .addCredentialRetriever(credentials.dockerConfig())
        .addCredentialRetriever(credentials.wellKnownCredentialHelpers());
  }

  private static List<Path> existingFiles(List<Path> files, String what) {
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new IllegalArgumentException(what + " not found: " + f);
      }
    }
    return files;
  }

  private static String contentHash(ImageSpec spec) throws IOException {
    ContentHash h =
        new ContentHash()
            .add(spec.baseImage())
            .add(spec.mainClass())
            .add(String.join("\u0000", spec.jvmFlags()))
            .add(spec.environment().toString());
    for (List<Path> group :
        List.of(spec.releasedJars(), spec.snapshotJars(), spec.resourceDirs(), spec.classDirs())) {
      h.add("group");
      for (Path p : group) {
        if (Files.exists(p)) {
          h.addPath(p);
        }
      }
    }
    for (Map.Entry<String, Path> e : spec.extraFiles().entrySet()) {
      h.add(e.getKey()).addPath(e.getValue());
    }
    return h.hex();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageBuilder b
        && registry.equals(b.registry)
        && Objects.equals(cacheDirectory, b.cacheDirectory)
        && listener.equals(b.listener);
  }

  @Override
  public int hashCode() {
    return Objects.hash(registry, cacheDirectory, listener);
  }

  @Override
  public String toString() {
    return "ImageBuilder{repository="
        + repository()
        + ", insecure="
        + registry.isInsecure()
        + ", cacheDirectory="
        + cacheDirectory
        + "}";
  }

  /** Builds an {@link ImageBuilder}. */
  public static final class Builder {
    private final ContainerRegistryConfig registry;
    private Path cacheDirectory;
    private Consumer<ImageEvent> listener = e -> {};

    private Builder(ContainerRegistryConfig registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Folder for Jib's layer caches (base image layers and application layers); a persistent one
     * makes rebuilds fast. Default: Jib's user cache for base layers and a temporary folder for
     * application layers.
     */
    public Builder cacheDirectory(Path dir) {
      this.cacheDirectory = dir == null ? null : dir.toAbsolutePath();
      return this;
    }

    /** Receives progress, skipped and pushed blobs and log messages; default: ignores them. */
    public Builder listener(Consumer<ImageEvent> listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    public ImageBuilder build() {
      return new ImageBuilder(this);
    }
  }
}
