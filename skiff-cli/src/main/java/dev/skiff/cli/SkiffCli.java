package dev.skiff.cli;

import dev.skiff.cli.internal.ArtifactsCommand;
import dev.skiff.cli.internal.BuildCommand;
import dev.skiff.cli.internal.CompletionCommand;
import dev.skiff.cli.internal.ComponentCommand;
import dev.skiff.cli.internal.InitCommand;
import dev.skiff.cli.internal.Redactor;
import dev.skiff.cli.internal.RunCommand;
import dev.skiff.cli.internal.RunsCommand;
import dev.skiff.cli.internal.SchedulesCommand;
import dev.skiff.cli.internal.SecretCommand;
import dev.skiff.cli.internal.StackCommand;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code skiff} command. Errors print as one line (stack trace with {@code --debug}). */
@Command(
    name = "skiff",
    mixinStandardHelpOptions = true,
    versionProvider = SkiffCli.Version.class,
    description = {
      "Run typed Java ML pipelines locally or on Kubernetes.",
      "Runs go to the active stack (skiff stack describe); switch with 'skiff stack set NAME', no code change needed."
    },
    scope = CommandLine.ScopeType.INHERIT, // --help and --version on every subcommand too
    subcommands = {
      InitCommand.class,
      RunCommand.class,
      RunsCommand.class,
      SchedulesCommand.class,
      BuildCommand.class,
      ArtifactsCommand.class,
      StackCommand.class,
      ComponentCommand.Orchestrators.class,
      ComponentCommand.ArtifactStores.class,
      ComponentCommand.ContainerRegistries.class,
      SecretCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SkiffCli {
  @Option(
      names = "--debug",
      description = "Print stack traces of errors.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean debug;

  public static void main(String[] args) {
    System.exit(
        execute(
            args,
            new PrintWriter(System.out, true, StandardCharsets.UTF_8),
            new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
  }

  /** Runs the command line and returns the exit code; used by tests too. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new SkiffCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(true); // --isolation process, -o JSON
    ComponentCommand.addFlavorHelp(cli);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          boolean debug = false; // --debug may come before or after the subcommand
          for (CommandLine.ParseResult r = parseResult; r != null; r = r.subcommand()) {
            debug |= r.hasMatchedOption("--debug");
          }
          // new UncheckedIOException(cause) says no more than its cause; one with its own message
          // does
          Throwable t =
              e instanceof java.io.UncheckedIOException
                      && e.getCause() != null
                      && String.valueOf(e.getMessage()).equals(e.getCause().toString())
                  ? e.getCause()
                  : e;
          commandLine.getErr().println("error: " + Redactor.redact(oneLine(t)));
          if (debug) {
            commandLine
                .getErr()
                .print(Redactor.redactTrace(t)); // causes may hold secret values too
          }
          commandLine.getErr().flush();
          return 2;
        });
    return cli.execute(args);
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getClass().getSimpleName();
    }
    return m.lines().findFirst().orElse(m);
  }

  /** Version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SkiffCli.class.getPackage().getImplementationVersion();
      return new String[] {"skiff " + (v == null ? "development build" : v)};
    }
  }
}
