package dev.skiff.cli.internal;

import dev.skiff.core.spi.ImageProvider.PushedImage;
import dev.skiff.sdk.PipelineDefinition;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code skiff build}: the pipeline's image, built with Jib and pushed, without running. */
@Command(
    name = "build",
    description = {
      "Build the image <registry>/skiff:<pipeline> of a pipeline (Skiff and your code, with Jib: no Docker daemon) and push it to the active stack's container registry, without running.",
      "Only changed layers are pushed; an unchanged project pushes nothing and keeps its digest."
    })
public final class BuildCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "PIPELINE_CLASS",
      description = "Fully qualified class name of the pipeline.")
  String className;

  @Option(
      names = {"--classpath", "-cp"},
      paramLabel = "CP",
      description = "Where the pipeline's classes and dependencies are, like java -cp.")
  String classpath;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "A run configuration file, as for skiff run: its settings (e.g. container_registry.default) apply to the image.")
  java.util.List<java.nio.file.Path> configs = new java.util.ArrayList<>();

  @Mixin ProjectOptions projectOptions;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    UserCode code = UserCode.of(classpath, BuildCommand.class.getClassLoader());
    Class<?> type;
    try {
      type = Class.forName(className, true, code.loader());
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          "class " + className + " not found: check the name and --classpath");
    }
    if (!PipelineDefinition.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException(className + " is not a PipelineDefinition");
    }
    PipelineDefinition definition =
        (PipelineDefinition) type.getDeclaredConstructor().newInstance();
    try (Workspace workspace =
        Workspace.open(projectOptions.project(), spec.commandLine().getErr())) {
      PushedImage image =
          new StackRuns(workspace)
              .build(
                  definition,
                  definition.settings(),
                  RunSettings.NONE.withConfig(java.util.List.of(), configs),
                  code);
      spec.commandLine().getOut().println(image.describe());
    }
    return 0;
  }
}
