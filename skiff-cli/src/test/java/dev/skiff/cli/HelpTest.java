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
        Arguments.of("", new String[] {"init", "run", "runs", "artifacts", "--debug", "--version"}),
        Arguments.of("init", new String[] {"Usage: skiff init", "DIR"}),
        Arguments.of("run", new String[] {"Usage: skiff run", "PIPELINE_CLASS", "ARGS", "--classpath", "-cp", "--isolation", "--no-cache",
            "--continue-on-failure", "--max-parallelism", "--project", "Exit code"}),
        Arguments.of("runs", new String[] {"Usage: skiff runs", "list", "describe", "logs", "resume"}),
        Arguments.of("runs list", new String[] {"Usage: skiff runs list", "--pipeline", "--limit", "--output", "--project"}),
        Arguments.of("runs describe", new String[] {"Usage: skiff runs describe", "RUN", "--output"}),
        Arguments.of("runs logs", new String[] {"Usage: skiff runs logs", "RUN", "STEP"}),
        Arguments.of("runs resume", new String[] {"Usage: skiff runs resume", "RUN", "--classpath", "--isolation"}),
        Arguments.of("artifacts", new String[] {"Usage: skiff artifacts", "list", "show"}),
        Arguments.of("artifacts list", new String[] {"Usage: skiff artifacts list", "--run", "--limit", "--output"}),
        Arguments.of("artifacts show", new String[] {"Usage: skiff artifacts show", "ARTIFACT", "--open", "--save", "--output"}));
  }

  @ParameterizedTest(name = "skiff {0} --help")
  @MethodSource("commands")
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
  void versionExitsZero() {
    CliTestSupport.Result r = CliTestSupport.skiff("--version");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("skiff ");
  }

  @Test
  void aCommandGroupWithoutSubcommandShowsItsUsage() {
    CliTestSupport.Result r = CliTestSupport.skiff("runs");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required subcommand").contains("list", "describe", "logs", "resume");
  }
}
