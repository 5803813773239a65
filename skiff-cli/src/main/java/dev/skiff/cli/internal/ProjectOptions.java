package dev.skiff.cli.internal;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where to find the Skiff folder; mixed into commands that read or write runs. */
public final class ProjectOptions {
  @Option(
      names = "--project",
      paramLabel = "DIR",
      description =
          "Use DIR/.skiff instead of the nearest .skiff folder upward (or the global one).")
  Path dir;

  public Project project() {
    if (dir != null) {
      return Project.findUpward(dir)
          .orElseThrow(
              () ->
                  new IllegalArgumentException(
                      "no .skiff folder at or above " + dir + ": run 'skiff init' there"));
    }
    return Project.locate(Path.of(""), System.getenv());
  }
}
