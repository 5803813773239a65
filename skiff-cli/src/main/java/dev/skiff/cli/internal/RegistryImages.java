package dev.skiff.cli.internal;

import dev.skiff.core.ImageProvider;
import dev.skiff.core.RunPlan;
import dev.skiff.images.BuiltImage;
import dev.skiff.images.ImageBuilder;
import dev.skiff.images.ImageProgressPrinter;
import dev.skiff.images.ImageSpec;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds and pushes {@code <registry>/skiff:<pipeline>} from the class path the client runs
 * with (Skiff and the user's code), with Jib, no Docker daemon: released jars, snapshot jars and
 * class folders become separate layers, so a code change re-pushes only the small last layer.
 */
final class RegistryImages implements ImageProvider {
  private final ImageBuilder builder;
  private final String classpath;
  private final PrintStream out;

  RegistryImages(ImageBuilder builder, String classpath, PrintStream out) {
    this.builder = builder.toBuilder().listener(new ImageProgressPrinter(out, false)).build();
    this.classpath = classpath;
    this.out = out;
  }

  @Override
  public String imageFor(RunPlan plan) {
    return build(plan.pipeline()).reference();
  }

  BuiltImage build(String pipeline) {
    try {
      BuiltImage image = builder.buildAndPush(pipeline, spec(classpath));
      out.println("Image " + image.reference() + (image.pushed() ? " pushed" : " unchanged: nothing pushed"));
      return image;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the image", e);
    }
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
    return ImageSpec.newBuilder().releasedJars(released).snapshotJars(snapshots).classDirs(classes).build();
  }
}
