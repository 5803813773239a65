package dev.skiff.cli.internal;

import dev.skiff.cli.Project;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code skiff init}: creates {@code .skiff/} so runs of this folder are kept apart. */
@Command(
    name = "init",
    description = {
      "Create a .skiff folder here: runs, artifacts, stacks and secrets of this project live in it.",
      "It starts with a 'default' stack (local orchestrator, local artifact store in .skiff/artifacts), active."
    })
public final class InitCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "Folder to initialize (default: the current one).")
  Path dir = Path.of("");

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Path target = dir.toAbsolutePath().normalize();
    boolean existed = Files.isDirectory(target.resolve(Project.DIR));
    Project project = Project.init(target);
    try (Workspace workspace = Workspace.open(project, spec.commandLine().getErr())) { // creates the default stack
      spec.commandLine().getOut().println((existed ? "Skiff is already initialized in " : "Initialized Skiff in ") + project.home());
    }
    return 0;
  }
}
