package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code --help} of every command, {@code help COMMAND} and {@code --version}. */
class HelpTest {

  static Stream<Arguments> commands() {
    return Stream.of(
        Arguments.of(
            "",
            new String[] {
              "init",
              "run",
              "runs",
              "artifacts",
              "stack",
              "orchestrator",
              "artifact-store",
              "container-registry",
              "secret",
              "completion",
              "--debug",
              "--version"
            }),
        Arguments.of("init", new String[] {"Usage: skiff init", "DIR"}),
        Arguments.of(
            "run",
            new String[] {
              "Usage: skiff run",
              "PIPELINE_CLASS",
              "ARGS",
              "--classpath",
              "-cp",
              "--set",
              "--isolation",
              "--no-cache",
              "--continue-on-failure",
              "--max-parallelism",
              "--project",
              "Exit code"
            }),
        Arguments.of(
            "runs", new String[] {"Usage: skiff runs", "list", "describe", "logs", "resume"}),
        Arguments.of(
            "runs list",
            new String[] {
              "Usage: skiff runs list", "--pipeline", "--limit", "--output", "--project"
            }),
        Arguments.of(
            "runs describe", new String[] {"Usage: skiff runs describe", "RUN", "--output"}),
        Arguments.of("runs logs", new String[] {"Usage: skiff runs logs", "RUN", "STEP"}),
        Arguments.of(
            "runs resume",
            new String[] {
              "Usage: skiff runs resume", "RUN", "--classpath", "--isolation", "--set"
            }),
        Arguments.of("artifacts", new String[] {"Usage: skiff artifacts", "list", "show"}),
        Arguments.of(
            "artifacts list",
            new String[] {"Usage: skiff artifacts list", "--run", "--limit", "--output"}),
        Arguments.of(
            "artifacts show",
            new String[] {
              "Usage: skiff artifacts show", "ARTIFACT", "--open", "--save", "--output"
            }),
        Arguments.of(
            "stack",
            new String[] {
              "Usage: skiff stack",
              "register",
              "list",
              "describe",
              "set",
              "update",
              "copy",
              "delete",
              "active stack"
            }),
        Arguments.of(
            "stack register",
            new String[] {
              "Usage: skiff stack register",
              "NAME",
              "-o, --orchestrator",
              "-a, --artifact-store",
              "-c, --container-registry",
              "--set",
              "--project"
            }),
        Arguments.of(
            "stack list", new String[] {"Usage: skiff stack list", "--output", "marked with *"}),
        Arguments.of(
            "stack describe",
            new String[] {"Usage: skiff stack describe", "[NAME]", "active one", "--output"}),
        Arguments.of("stack set", new String[] {"Usage: skiff stack set", "NAME"}),
        Arguments.of(
            "stack update",
            new String[] {
              "Usage: skiff stack update",
              "NAME",
              "--orchestrator",
              "--artifact-store",
              "--container-registry"
            }),
        Arguments.of("stack copy", new String[] {"Usage: skiff stack copy", "SOURCE", "TARGET"}),
        Arguments.of(
            "stack delete",
            new String[] {"Usage: skiff stack delete", "NAME", "active stack cannot be"}),
        Arguments.of(
            "secret",
            new String[] {
              "Usage: skiff secret",
              "create",
              "list",
              "update",
              "delete",
              "AES-256-GCM",
              "{{secret.NAME.KEY}}",
              "SKIFF_SECRET_KEY"
            }),
        Arguments.of(
            "secret create",
            new String[] {
              "Usage: skiff secret create",
              "NAME --KEY[=VALUE]...",
              "without echo",
              "standard input"
            }),
        Arguments.of(
            "secret update", new String[] {"Usage: skiff secret update", "NAME --KEY[=VALUE]..."}),
        Arguments.of(
            "secret list",
            new String[] {"Usage: skiff secret list", "never their values", "--output"}),
        Arguments.of("secret delete", new String[] {"Usage: skiff secret delete", "NAME"}),
        Arguments.of(
            "completion",
            new String[] {"Usage: skiff completion", "bash", "zsh", "source <(skiff completion)"}),
        Arguments.of(
            "orchestrator register",
            new String[] {
              "Usage: skiff orchestrator register",
              "NAME --flavor=FLAVOR",
              "[--KEY=VALUE...]",
              "Register a new orchestrator",
              "{{secret.NAME.KEY}}",
              "local: isolation (thread|process), maxParallelism (integer), jvmArgs (list)"
            }),
        Arguments.of(
            "artifact-store register",
            new String[] {"Usage: skiff artifact-store register", "local: path (text)"}),
        Arguments.of(
            "container-registry register",
            new String[] {"Usage: skiff container-registry register", "default"}));
  }

  static Stream<Arguments> componentCommands() {
    Stream.Builder<Arguments> all = Stream.builder();
    for (String type : new String[] {"orchestrator", "artifact-store", "container-registry"}) {
      all.add(
          Arguments.of(
              type,
              new String[] {
                "Usage: skiff " + type, "register", "list", "describe", "update", "delete", "flavor"
              }));
      all.add(
          Arguments.of(
              type + " list",
              new String[] {"Usage: skiff " + type + " list", "--output", "stacks that use them"}));
      all.add(
          Arguments.of(
              type + " describe",
              new String[] {
                "Usage: skiff " + type + " describe",
                "NAME",
                "Show the " + type + " NAME",
                "never their values",
                "--output"
              }));
      all.add(
          Arguments.of(
              type + " update",
              new String[] {
                "Usage: skiff " + type + " update",
                "NAME [--KEY=VALUE...]",
                "[--remove=KEY]...",
                "--remove"
              }));
      all.add(
          Arguments.of(
              type + " delete",
              new String[] {
                "Usage: skiff " + type + " delete", "NAME", "refused while a stack uses it"
              }));
      all.add(
          Arguments.of(
              type + " flavor", new String[] {"Usage: skiff " + type + " flavor", "list"}));
      all.add(
          Arguments.of(
              type + " flavor list",
              new String[] {"Usage: skiff " + type + " flavor list", "--output"}));
    }
    return all.build();
  }

  @ParameterizedTest(name = "skiff {0} --help")
  @MethodSource({"commands", "componentCommands"})
  void helpOfEveryCommandExitsZero(String command, String[] mentions) {
    String[] args = (command.isEmpty() ? "--help" : command + " --help").split(" ");

    CliTestSupport.Result r = CliTestSupport.skiff(args);

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out()).contains(mentions);
    assertThat(r.err()).isEmpty();
  }

  /** picocli's {@code help} takes one level of command names. */
  static Stream<Arguments> topLevelCommands() {
    return commands().filter(a -> !((String) a.get()[0]).contains(" "));
  }

  @ParameterizedTest(name = "skiff help {0}")
  @MethodSource("topLevelCommands")
  void helpCommandShowsTheSameHelp(String command, String[] mentions) {
    String[] args = ("help " + command).strip().split(" ");

    CliTestSupport.Result r = CliTestSupport.skiff(args);

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out()).contains(mentions);
  }

  @Test
  void completionPrintsABashScriptForEveryCommand() {
    CliTestSupport.Result r = CliTestSupport.skiff("completion");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out()).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_skiff");
    for (String command :
        new String[] {
          "init",
          "run",
          "runs",
          "artifacts",
          "stack",
          "orchestrator",
          "artifact-store",
          "container-registry",
          "secret",
          "completion",
          "register",
          "describe",
          "--isolation",
          "--max-parallelism",
          "--artifact-store",
          "--flavor"
        }) {
      assertThat(r.out()).contains(command);
    }
    assertThat(r.err()).isEmpty();
  }

  @Test
  void versionExitsZero() {
    CliTestSupport.Result r = CliTestSupport.skiff("--version");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("skiff ");
  }

  @Test
  void aCommandGroupWithoutSubcommandShowsItsUsage() {
    CliTestSupport.Result r = CliTestSupport.skiff("runs");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("Missing required subcommand")
        .contains("list", "describe", "logs", "resume");
  }
}
