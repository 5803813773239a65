package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.CliPipelines.Branches;
import dev.skiff.cli.CliPipelines.Empty;
import dev.skiff.cli.CliPipelines.NeedsArguments;
import dev.skiff.cli.CliPipelines.NotAPipeline;
import dev.skiff.cli.CliPipelines.Tiny;
import dev.skiff.cli.CliPipelines.TinyMain;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code skiff run}: pipeline definitions, main classes, caching, failures, isolation, errors. */
class RunCommandTest extends CliTestSupport {

  @Test
  void runsADefinitionAndPrintsPrefixedStepLinesAndASummary() {
    Result r = runOk(Tiny.class);
    String id = r.runId();

    assertThat(id).startsWith("tiny-");
    assertThat(r.outLines().get(0))
        .isEqualTo("Running pipeline tiny on stack 'default' (run " + id + ", 3 steps)");
    for (String step : List.of("load", "train", "evaluate")) {
      assertThat(r.out()).containsPattern(stepLine(step, "started"));
      assertThat(r.out()).containsPattern(stepLine(step, "succeeded in .+"));
    }
    // what steps log, and what they print with System.out, shows up under their name
    assertThat(r.out()).containsPattern(stepLine("load", "loaded 8 rows"));
    assertThat(r.out()).containsPattern(stepLine("train", "trained on 5 rows in pid \\d+"));
    assertThat(r.out()).containsPattern(stepLine("evaluate", "accuracy: 0\\.875"));
    assertThat(r.out()).containsPattern("(?m)^Run " + Pattern.quote(id) + " succeeded in .+$");
    // the summary table, one row per step
    assertThat(r.out()).containsPattern("(?m)^STEP +STATUS +ATTEMPT +DURATION +DETAIL$");
    for (String step : List.of("load", "train", "evaluate")) {
      assertThat(r.out()).containsPattern("(?m)^" + step + " +succeeded +1 +\\S.*$");
    }
    // steps start in dependency order
    assertThat(r.out().indexOf("load     | succeeded"))
        .isLessThan(r.out().indexOf("train    | started"));
    assertThat(r.out().indexOf("train    | succeeded"))
        .isLessThan(r.out().indexOf("evaluate | started"));
    assertThat(r.err()).isEmpty();
  }

  @Test
  void inThreadIsolationStepsRunInThisJvm() {
    Result r = runOk(Tiny.class);
    assertThat(pidOfTrain(r)).isEqualTo(ProcessHandle.current().pid());
  }

  @Test
  void secondRunReusesCachedOutputsOfEveryStep() {
    String first = runOk(Tiny.class).runId();

    Result second = runOk(Tiny.class);

    assertThat(second.runId()).isNotEqualTo(first);
    for (String step : List.of("load", "train", "evaluate")) {
      assertThat(second.out())
          .containsPattern(
              stepLine(step, "cached \\(outputs of run " + Pattern.quote(first) + "\\)"));
      assertThat(second.out())
          .containsPattern("(?m)^" + step + " +cached +.*from run " + Pattern.quote(first) + "$");
    }
    assertThat(second.out()).doesNotContain("| started").doesNotContain("accuracy");
    assertThat(second.out()).contains("Run " + second.runId() + " succeeded");
  }

  @Test
  void noCacheRunsEveryStepAgain() {
    runOk(Tiny.class);

    Result again = runOk(Tiny.class, "--no-cache");

    assertThat(again.out()).doesNotContain("cached");
    for (String step : List.of("load", "train", "evaluate")) {
      assertThat(again.out()).containsPattern(stepLine(step, "started"));
    }
    assertThat(again.out()).containsPattern(stepLine("evaluate", "accuracy: 0\\.875"));
  }

  @Test
  void failingStepFailsTheRunWithExitCode1AndItsOneLineError() {
    Result r = run(Branches.class);
    String id = r.runId();

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    String error = "IllegalStateException: disk quota exceeded for input 1";
    assertThat(r.out())
        .containsPattern(stepLine("fail", "attempt 1 failed: " + Pattern.quote(error)));
    assertThat(r.out())
        .containsPattern(
            "(?m)^Run "
                + Pattern.quote(id)
                + " failed in .+: step 'fail' failed: "
                + Pattern.quote(error)
                + "$");
    assertThat(r.out())
        .containsPattern("(?m)^fail +failed +1 +\\S+ ms +" + Pattern.quote(error) + "$");
    assertThat(r.out()).containsPattern("(?m)^after_fail +skipped .*step 'fail' failed.*$");
    // the step's log (streamed, and kept for `runs logs`) has the whole trace; its error stays one
    // line
    assertThat(r.out())
        .containsPattern(
            stepLine(
                "fail", "java\\.lang\\.IllegalStateException: disk quota exceeded for input 1"))
        .containsPattern(stepLine("fail", "\\s+at dev\\.skiff\\.cli\\..*"));
    assertThat(runs("logs", id, "fail").out())
        .contains("java.lang.IllegalStateException: disk quota exceeded for input 1")
        .contains("\tat dev.skiff.cli.");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void failFastStartsNoNewStepAfterAFailure() {
    Result r = run(Branches.class, "--max-parallelism", "1");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    // with one step at a time, 'fail' runs before 'side', which then never starts
    assertThat(r.out()).doesNotContainPattern(stepLine("side", "started"));
    assertThat(r.out())
        .containsPattern(stepLine("side", "skipped: not run: step 'fail' failed: .*"));
    assertThat(r.out()).containsPattern("(?m)^side +skipped .*$");
    assertThat(r.out()).doesNotContain("side ran");
  }

  @Test
  void continueOnFailureKeepsRunningIndependentBranches() {
    Result r = run(Branches.class, "--max-parallelism", "1", "--continue-on-failure");

    assertThat(r.exitCode()).as("a run with a failed step still fails: %s", r).isEqualTo(1);
    assertThat(r.out()).containsPattern(stepLine("side", "started"));
    assertThat(r.out()).containsPattern(stepLine("side", "side ran"));
    assertThat(r.out()).containsPattern("(?m)^side +succeeded +1 .*$");
    assertThat(r.out())
        .containsPattern(stepLine("after_fail", "skipped: upstream step 'fail' failed"));
    assertThat(r.out()).containsPattern("(?m)^after_fail +skipped .*upstream step 'fail' failed$");
  }

  @Test
  void processIsolationRunsEachStepInItsOwnJvm() {
    // The child JVMs get this JVM's java.class.path; under surefire that is a manifest-only
    // booter jar, whose Class-Path entries 'java -cp' follows.
    Result r = runOk(Tiny.class, "--isolation", "process");

    for (String step : List.of("load", "train", "evaluate")) {
      assertThat(r.out()).containsPattern(stepLine(step, "succeeded in .+"));
    }
    assertThat(pidOfTrain(r)).isNotEqualTo(ProcessHandle.current().pid());
    // System.out of the child process is the step's log
    assertThat(r.out()).containsPattern(stepLine("evaluate", "accuracy: 0\\.875"));
    assertThat(r.out()).containsPattern(stepLine("load", "loaded 8 rows"));
    assertThat(r.out()).contains("Run " + r.runId() + " succeeded");

    Result logs = runs("logs", r.runId(), "evaluate");
    assertThat(logs.outLines()).contains("accuracy: 0.875");
  }

  @Test
  void processIsolationReportsAFailingStep() {
    Result r = run(Branches.class, "--isolation", "process");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    // the same one-line error as in a thread; the step process's log holds the trace
    assertThat(r.out())
        .containsPattern(
            stepLine(
                "fail",
                "attempt 1 failed: IllegalStateException: disk quota exceeded for input 1"));
    assertThat(r.out())
        .containsPattern(
            stepLine("fail", "\\s+at dev\\.skiff\\.cli\\.CliPipelines\\$Branches\\.fail\\(.*"));
    assertThat(r.out())
        .containsPattern(
            "(?m)^fail +failed +1 +.+ +IllegalStateException: disk quota exceeded for input 1$");
  }

  @Test
  void mainClassRunsItsPipelineInThisProjectAndExitsWithItsStatus() {
    Result ok = run(TinyMain.class);

    assertThat(ok.exitCode()).as("%s", ok).isZero();
    assertThat(ok.out()).containsPattern(stepLine("evaluate", "accuracy: 0\\.875"));
    assertThat(ok.out()).containsPattern("(?m)^evaluate +succeeded +1 .*$");
    String id = ok.runId();

    Result failed = run(TinyMain.class, "fail");
    assertThat(failed.exitCode()).as("%s", failed).isEqualTo(1);
    assertThat(failed.out())
        .containsPattern(stepLine("fail", "attempt 1 failed: .*disk quota exceeded.*"));

    // both runs were recorded in this project (not in the global one)
    JsonNode list = runs("list", "-o", "json").json();
    assertThat(list).hasSize(2);
    assertThat(list.get(1).get("id").asText()).isEqualTo(id);
    assertThat(list.get(1).get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(list.get(0).get("pipeline").asText()).isEqualTo("branches");
    assertThat(list.get(0).get("status").asText()).isEqualTo("FAILED");
  }

  @Test
  void mainClassHonoursRunOptions() {
    runOk(Tiny.class);

    Result cached = run(TinyMain.class);
    assertThat(cached.exitCode()).as("%s", cached).isZero();
    assertThat(cached.out()).containsPattern(stepLine("evaluate", "cached .*"));

    Result noCache = run(TinyMain.class, "--no-cache", "--isolation", "process");
    assertThat(noCache.exitCode()).as("%s", noCache).isZero();
    assertThat(noCache.out()).doesNotContain("cached");
    assertThat(pidOfTrain(noCache)).isNotEqualTo(ProcessHandle.current().pid());

    Result continued =
        run(TinyMain.class, "fail", "--continue-on-failure", "--max-parallelism", "1");
    assertThat(continued.exitCode()).as("%s", continued).isEqualTo(1);
    assertThat(continued.out()).containsPattern("(?m)^side +succeeded .*$");
  }

  @Test
  void unknownClassIsAOneLineError() {
    Result r = run(List.of("run", "com.example.NoSuchPipeline"));

    assertOneLineError(
        r, "class com.example.NoSuchPipeline not found: check the name and --classpath");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void missingClasspathEntryIsAOneLineError() {
    Result r = run(List.of("run", "--classpath", "/nope", Tiny.class.getName()));

    assertOneLineError(r, "class path entry /nope does not exist");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void missingClasspathFolderOfJarsIsAOneLineError() {
    Result r = run(List.of("run", "-cp", tmp.resolve("nope") + "/*", Tiny.class.getName()));

    assertOneLineError(r, "class path folder " + tmp.resolve("nope"));
  }

  @Test
  void classThatIsNeitherPipelineNorMainIsAOneLineError() {
    Result r = run(List.of("run", NotAPipeline.class.getName()));

    assertOneLineError(
        r,
        NotAPipeline.class.getName()
            + " is neither a PipelineDefinition nor a class with a main method");
  }

  @Test
  void pipelineWithoutNoArgumentConstructorIsAOneLineError() {
    Result r = run(List.of("run", NeedsArguments.class.getName()));

    assertOneLineError(
        r,
        "cannot create pipeline "
            + NeedsArguments.class.getName()
            + ": it needs to be a public class with a public no-argument constructor");
  }

  @Test
  void invalidPipelineIsAOneLineErrorAndRecordsNoRun() {
    Result r = run(List.of("run", Empty.class.getName()));

    assertOneLineError(r, "pipeline 'empty' declares no steps");
    assertThat(r.out()).isEmpty();
    assertThat(runs("list", "-o", "json").json()).isEmpty();
  }

  @Test
  void optionValuesAreCaseInsensitive() {
    Result r = runOk(Tiny.class, "--isolation", "THREAD");

    assertThat(r.out()).contains("Run " + r.runId() + " succeeded");
    assertThat(runs("list", "-o", "JSON").json()).hasSize(1);
  }

  @Test
  void debugPrintsTheStackTraceBeforeOrAfterTheSubcommand() {
    Result before =
        skiff("--debug", "run", "com.example.NoSuchPipeline", "--project", project.toString());
    Result after =
        skiff("run", "com.example.NoSuchPipeline", "--project", project.toString(), "--debug");

    for (Result r : List.of(before, after)) {
      assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
      assertThat(r.errLines().get(0))
          .isEqualTo(
              "error: class com.example.NoSuchPipeline not found: check the name and --classpath");
      assertThat(r.err())
          .as("%s", r)
          .contains("IllegalArgumentException")
          .contains("\tat dev.skiff.cli.internal.RunCommand.call");
    }
  }

  private Result run(List<String> command) {
    List<String> args = new ArrayList<>(command);
    args.add("--project");
    args.add(project.toString());
    return skiff(args.toArray(String[]::new));
  }

  private static long pidOfTrain(Result r) {
    Matcher m = Pattern.compile("trained on 5 rows in pid (\\d+)").matcher(r.out());
    assertThat(m.find()).as("%s", r).isTrue();
    return Long.parseLong(m.group(1));
  }
}
