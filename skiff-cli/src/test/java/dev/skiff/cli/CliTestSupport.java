package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code skiff} in-process with captured output against a fresh project in a temporary folder
 * ({@code skiff init DIR}, then {@code --project DIR}).
 */
abstract class CliTestSupport {
  private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");
  private static final Pattern RUN_ID = Pattern.compile("\\(run (\\S+), \\d+ steps\\)");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Path project;

  /** Exit code and what the command printed (without colors). */
  record Result(int exitCode, String out, String err) {
    List<String> outLines() {
      return out.lines().toList();
    }

    List<String> errLines() {
      return err.lines().toList();
    }

    JsonNode json() {
      assertThat(exitCode).as("%s", this).isZero();
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        throw new UncheckedIOException("output is not JSON:\n" + out, e);
      }
    }

    /** The id of the run this {@code run} or {@code resume} started. */
    String runId() {
      Matcher m = RUN_ID.matcher(out);
      assertThat(m.find()).as("run id in output:%n%s", out).isTrue();
      return m.group(1);
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- out ---\n" + out + "--- err ---\n" + err;
    }
  }

  @BeforeEach
  void initProject() {
    project = tmp.resolve("project");
    Result init = skiff("init", project.toString());
    assertThat(init.exitCode()).as("%s", init).isZero();
  }

  static Result skiff(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try (PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true)) {
      code = SkiffCli.execute(args, o, e);
    }
    return new Result(code, strip(out.toString()), strip(err.toString()));
  }

  /** {@code skiff <command...> <extra...> --project <project>}. */
  Result inProject(List<String> command, String... extra) {
    List<String> args = new ArrayList<>(command);
    args.addAll(List.of(extra));
    args.add("--project");
    args.add(project.toString());
    return skiff(args.toArray(String[]::new));
  }

  /** {@code skiff <args...> --project <project>}. */
  Result cli(String... args) {
    return inProject(List.of(args));
  }

  /** {@code skiff <args...> --project <project>}, which must succeed. */
  Result ok(String... args) {
    Result r = cli(args);
    assertThat(r.exitCode()).as("skiff %s%n%s", String.join(" ", args), r).isZero();
    return r;
  }

  Result run(Class<?> pipeline, String... options) {
    return inProject(List.of("run", pipeline.getName()), options);
  }

  Result runOk(Class<?> pipeline, String... options) {
    Result r = run(pipeline, options);
    assertThat(r.exitCode()).as("%s", r).isZero();
    return r;
  }

  Result runs(String... args) {
    return inProject(List.of("runs"), args);
  }

  Result artifacts(String... args) {
    return inProject(List.of("artifacts"), args);
  }

  static String strip(String s) {
    return ANSI.matcher(s).replaceAll("");
  }

  /** A line of step output: {@code <step padded> | <text>}. */
  static Pattern stepLine(String step, String text) {
    return Pattern.compile("(?m)^" + Pattern.quote(step) + " *\\| " + text + "$");
  }

  /** A usage or setup error: one line on stderr, exit 2, no stack trace. */
  static void assertOneLineError(Result r, String message) {
    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.err()).startsWith("error: " + message).doesNotContain("\tat ");
  }
}
