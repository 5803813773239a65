package dev.skiff.images;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ImageProvider;
import dev.skiff.core.spi.ImageProvider.PushedImage;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds and pushes {@code <registry>/skiff:<pipeline>} from the class path the client runs with
 * (Skiff and the user's code), with Jib, no Docker daemon: released jars, snapshot jars and class
 * folders become separate layers, so a code change re-pushes only the small last layer.
 */
public final class JibImageProvider implements ImageProvider {
  private final ImageBuilder builder;
  private final String classpath;
  private final PrintStream out;

  public JibImageProvider(ImageBuilder builder, String classpath, PrintStream out) {
    this.builder = builder.toBuilder().listener(new ImageProgressPrinter(out, false)).build();
    this.classpath = classpath;
    this.out = out;
  }

  /** A prebuilt image from the plan's {@link ImageSettings}, else the one built and pushed now. */
  @Override
  public String imageFor(RunPlan plan) {
    ImageSettings settings = settings(plan);
    if (settings.image() != null && !settings.image().isBlank()) {
      return settings.image();
    }
    BuiltImage image = buildAndPush(plan);
    out.println(describe(image));
    return image.reference();
  }

  static String describe(BuiltImage image) {
    return new PushedImage(image.reference(), image.pushed()).describe();
  }

  @Override
  public PushedImage build(RunPlan plan) {
    BuiltImage image = buildAndPush(plan);
    return new PushedImage(image.reference(), image.pushed());
  }

  private BuiltImage buildAndPush(RunPlan plan) {
    try {
      return builder.buildAndPush(plan.pipeline(), settings(plan).applyTo(spec(classpath)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the image", e);
    }
  }

  static ImageSettings settings(RunPlan plan) {
    return plan.setting(ImageSettings.KEY, ImageSettings.class)
        .orElse(new ImageSettings(null, null, null, null, null));
  }

  /** Class path entries by how often they change: released jars, snapshot jars, class folders. */
  static ImageSpec spec(String classpath) {
    List<Path> released = new ArrayList<>();
    List<Path> snapshots = new ArrayList<>();
    List<Path> classes = new ArrayList<>();
    for (String entry : classpath.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path p = Path.of(entry).toAbsolutePath();
      if (Files.isDirectory(p)) {
        classes.add(p);
      } else if (Files.isRegularFile(p) && p.toString().endsWith(".jar")) {
        (p.getFileName().toString().contains("-SNAPSHOT") ? snapshots : released).add(p);
      }
    }
    return ImageSpec.newBuilder()
        .releasedJars(released)
        .snapshotJars(snapshots)
        .classDirs(classes)
        .build();
  }
}
