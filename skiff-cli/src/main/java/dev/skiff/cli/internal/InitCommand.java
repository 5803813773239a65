package dev.skiff.cli.internal;

import dev.skiff.core.spi.Backends;
import dev.skiff.core.spi.MetadataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
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
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "DIR",
      description = "Folder to initialize (default: the current one).")
  Path dir = Path.of("");

  @Option(
      names = "--metadata-url",
      paramLabel = "URL",
      description = {
        "Keep runs, stacks and secrets in this database instead of .skiff/skiff.db, e.g. jdbc:postgresql://HOST:PORT/DB?user=USER"
            + " (what pods and teams share). It is checked and migrated first; nothing is written if that fails.",
        "A password= parameter is stored sealed with the home's secret key, never in plain text;"
            + " or give the password with SKIFF_METADATA_PASSWORD or ~/.pgpass."
      })
  String metadataUrl;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Path target = dir.toAbsolutePath().normalize();
    boolean existed = Files.isDirectory(target.resolve(Project.DIR));
    HomeConfig.UrlAndPassword metadata =
        metadataUrl == null ? null : HomeConfig.withoutPassword(metadataUrl.strip());
    if (metadata != null) {
      Redactor.addCredential(metadata.password(), "<metadata password>");
      // Reachable, login accepted, schema migrated: checked before anything is written, so a
      // mistyped URL leaves no half-made home behind.
      try (MetadataStore store =
          Backends.openMetadataStore(
              metadata.url(), metadata.password(), InitCommand.class.getClassLoader())) {
        store.getSetting(Workspace.DEFAULT_STACK_CREATED);
      }
    }
    Map<String, String> env = new HashMap<>(System.getenv());
    if (metadata != null && env.remove(Project.METADATA_URL_ENV) != null) {
      // This command sets the home up with the URL it was given, whatever the shell overrides.
      spec.commandLine()
          .getErr()
          .println(
              "warning: "
                  + Project.METADATA_URL_ENV
                  + " is set: in this shell it overrides the metadata URL of the home");
    }
    Project project = Project.init(target, env);
    String previous = project.homeMetadataUrl();
    if (metadata != null) {
      project.useMetadataStore(metadata.url(), metadata.password());
    }
    try (Workspace workspace =
        Workspace.open(project, spec.commandLine().getErr())) { // creates the default stack
      spec.commandLine()
          .getOut()
          .println(
              (existed ? "Skiff is already initialized in " : "Initialized Skiff in ")
                  + project.home());
      if (metadata != null) {
        spec.commandLine().getOut().println("Metadata store: " + Backends.redact(metadata.url()));
        if (existed
            && !previous.equals(metadata.url())
            && Backends.metadataOnlyOnThisMachine(previous)) {
          workspace.warn(
              "runs recorded so far stay in "
                  + previous.substring("jdbc:sqlite:".length())
                  + "; this home now records in "
                  + Backends.redact(metadata.url()));
        }
      }
    }
    return 0;
  }
}
