package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.CliPipelines.Branches;
import dev.skiff.cli.CliPipelines.Resumable;
import dev.skiff.cli.CliPipelines.Tiny;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code skiff runs list|describe|logs|resume}. */
class RunsCommandTest extends CliTestSupport {

  @AfterEach
  void resetResumable() {
    Resumable.reset(false);
  }

  @Test
  void listShowsRunsNewestFirstInATable() {
    String tiny = runOk(Tiny.class).runId();
    String branches = run(Branches.class).runId();

    Result r = runs("list");

    assertThat(r.exitCode()).as("%s", r).isZero();
    List<String> lines = r.outLines();
    assertThat(lines.get(0)).matches("RUN +PIPELINE +STATUS +STACK +STARTED +DURATION");
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1))
        .matches(
            Pattern.quote(branches)
                + " +branches +failed +default +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\S.*");
    assertThat(lines.get(2))
        .matches(
            Pattern.quote(tiny)
                + " +tiny +succeeded +default +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\S.*");
  }

  @Test
  void listAsJson() {
    String tiny = runOk(Tiny.class).runId();
    String branches = run(Branches.class).runId();

    JsonNode json = runs("list", "--output", "json").json();

    assertThat(json.isArray()).isTrue();
    assertThat(json).hasSize(2);
    assertThat(json.get(0).get("id").asText()).isEqualTo(branches);
    assertThat(json.get(0).get("pipeline").asText()).isEqualTo("branches");
    assertThat(json.get(0).get("status").asText()).isEqualTo("FAILED");
    assertThat(json.get(0).get("error").asText())
        .startsWith("step 'fail' failed: IllegalStateException: disk quota exceeded");
    assertThat(json.get(1).get("id").asText()).isEqualTo(tiny);
    assertThat(json.get(1).get("pipeline").asText()).isEqualTo("tiny");
    assertThat(json.get(1).get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(json.get(1).get("orchestrator").asText()).isEqualTo("local");
    assertThat(json.get(1).get("stack").asText()).isEqualTo("default");
    assertThat(json.get(1).get("createdAt").asText()).isNotBlank();
    assertThat(json.get(1).get("endedAt").asText()).isNotBlank();
    assertThat(json.get(1).get("error").isNull()).isTrue();
  }

  @Test
  void listFiltersByPipelineAndLimits() {
    String first = runOk(Tiny.class).runId();
    run(Branches.class);
    String second = runOk(Tiny.class).runId();

    JsonNode tiny = runs("list", "--pipeline", "tiny", "-o", "json").json();
    assertThat(ids(tiny)).containsExactly(second, first);

    JsonNode newest = runs("list", "--limit", "1", "-o", "json").json();
    assertThat(ids(newest)).containsExactly(second);

    Result table = runs("list", "--pipeline", "branches");
    assertThat(table.outLines()).hasSize(2);
    assertThat(table.outLines().get(1)).startsWith("branches-");

    assertThat(runs("list", "--pipeline", "nothing", "-o", "json").json()).isEmpty();
  }

  @Test
  void listOfAnEmptyProject() {
    Result table = runs("list");
    assertThat(table.exitCode()).isZero();
    assertThat(table.outLines()).containsExactly("RUN  PIPELINE  STATUS  STACK  STARTED  DURATION");

    assertThat(runs("list", "-o", "json").json()).isEmpty();
  }

  @Test
  void describeShowsStepsAndOutputsByIdAndByUniquePrefix() {
    String id = runOk(Tiny.class).runId();
    run(Branches.class);

    Result byId = runs("describe", id);
    Result byPrefix = runs("describe", "tiny");
    Result byLongerPrefix = runs("describe", id.substring(0, id.length() - 2));

    for (Result r : List.of(byId, byPrefix, byLongerPrefix)) {
      assertThat(r.exitCode()).as("%s", r).isZero();
      assertThat(r.out()).startsWith("Run " + id + "  succeeded\n");
      assertThat(r.out())
          .contains(
              "  pipeline:     tiny\n",
              "  stack:        default\n",
              "  orchestrator: local\n",
              "  plan hash:    ");
      assertThat(r.out()).containsPattern("(?m)^STEP +STATUS +ATTEMPT +DURATION +DETAIL$");
      for (String step : List.of("load", "train", "evaluate")) {
        assertThat(r.out()).containsPattern("(?m)^" + step + " +succeeded +1 .*$");
      }
      assertThat(r.out()).containsPattern("(?m)^STEP +OUTPUT +ARTIFACT +TYPE +SIZE$");
      assertThat(r.out()).containsPattern("(?m)^load +train +[0-9a-f]{12} +int\\[\\] +\\d+ B$");
      assertThat(r.out()).containsPattern("(?m)^load +test +[0-9a-f]{12} +int\\[\\] +\\d+ B$");
      assertThat(r.out())
          .containsPattern("(?m)^load +label +[0-9a-f]{12} +java\\.lang\\.String +\\d+ B$");
      assertThat(r.out())
          .containsPattern(
              "(?m)^load +stats +[0-9a-f]{12} +"
                  + Pattern.quote(CliPipelines.Stats.class.getName())
                  + " +\\d+ B$");
      assertThat(r.out()).containsPattern("(?m)^train +output +[0-9a-f]{12} +int +\\d+ B$");
      assertThat(r.out()).containsPattern("(?m)^evaluate +output +[0-9a-f]{12} +double +\\d+ B$");
      assertThat(r.out())
          .containsPattern("(?m)^evaluate +report +[0-9a-f]{12} +text/html +\\d+ B$");
    }
  }

  @Test
  void describeOfAFailedRunShowsTheError() {
    String id = run(Branches.class).runId();

    Result r = runs("describe", id);

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out()).startsWith("Run " + id + "  failed\n");
    assertThat(r.out())
        .contains(
            "  error:        step 'fail' failed: IllegalStateException: disk quota exceeded for input 1\n");
    assertThat(r.out())
        .containsPattern(
            "(?m)^fail +failed +1 .*IllegalStateException: disk quota exceeded for input 1$");
    assertThat(r.out()).containsPattern("(?m)^after_fail +skipped .*$");
  }

  @Test
  void describeOfACachedRunNamesTheRunItReused() {
    String first = runOk(Tiny.class).runId();
    String second = runOk(Tiny.class).runId();

    Result r = runs("describe", second);

    assertThat(r.out())
        .containsPattern("(?m)^evaluate +cached .*from run " + Pattern.quote(first) + "$");
    assertThat(r.out()).containsPattern("(?m)^evaluate +report +[0-9a-f]{12} +text/html .*$");
  }

  @Test
  void describeAsJsonHasStepsWithOutputsAndInputsAndThePlan() {
    String id = runOk(Tiny.class).runId();

    JsonNode json = runs("describe", id, "-o", "json").json();

    assertThat(json.get("id").asText()).isEqualTo(id);
    assertThat(json.get("pipeline").asText()).isEqualTo("tiny");
    assertThat(json.get("status").asText()).isEqualTo("SUCCEEDED");
    JsonNode steps = json.get("steps");
    assertThat(steps).hasSize(3);
    assertThat(names(steps)).containsExactly("load", "train", "evaluate");
    for (JsonNode s : steps) {
      assertThat(s.get("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(s.get("attempt").asInt()).isEqualTo(1);
      assertThat(s.get("cacheKey").asText()).isNotBlank();
    }
    JsonNode load = steps.get(0);
    assertThat(fieldNames(load.get("outputs")))
        .containsExactlyInAnyOrder("train", "test", "label", "stats");
    assertThat(load.get("inputs")).isEmpty();
    JsonNode evaluate = steps.get(2);
    assertThat(fieldNames(evaluate.get("outputs"))).containsExactlyInAnyOrder("output", "report");
    // lineage: evaluate read load's test and stats outputs and train's output
    List<String> evaluateInputs = new ArrayList<>();
    evaluate.get("inputs").forEach(n -> evaluateInputs.add(n.asText()));
    assertThat(evaluateInputs)
        .containsExactlyInAnyOrder(
            load.get("outputs").get("test").asText(),
            load.get("outputs").get("stats").asText(),
            steps.get(1).get("outputs").get("output").asText());
    JsonNode plan = json.get("plan");
    assertThat(plan.get("pipeline").asText()).isEqualTo("tiny");
    assertThat(plan.get("pipelineClass").asText()).isEqualTo(Tiny.class.getName());
    assertThat(names(plan.get("steps"))).containsExactly("load", "train", "evaluate");
  }

  @Test
  void describeErrorsAreOneLine() {
    runOk(Tiny.class);
    runOk(Tiny.class, "--no-cache");

    assertOneLineError(runs("describe", "nope"), "no run 'nope': see 'skiff runs list'");
    assertOneLineError(runs("describe", "tiny-"), "'tiny-' matches 2 runs (");
    assertThat(runs("describe", "tiny-").err()).contains("type more of the id");
    // a LIKE wildcard is not a prefix of every id
    assertOneLineError(runs("describe", "%"), "no run '%'");
  }

  @Test
  void describeWithDebugPrintsTheStackTrace() {
    Result r = skiff("runs", "describe", "nope", "--project", project.toString(), "--debug");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines().get(0)).isEqualTo("error: no run 'nope': see 'skiff runs list'");
    assertThat(r.err()).contains("java.lang.IllegalArgumentException: no run 'nope'", "\tat ");
  }

  @Test
  void logsShowTheSavedLinesOfEveryStep() {
    String id = runOk(Tiny.class).runId();

    Result r = runs("logs", id);

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.outLines())
        .contains(
            "load | --- attempt 1 ---",
            "load | loaded 8 rows",
            "train | --- attempt 1 ---",
            "evaluate | --- attempt 1 ---",
            "evaluate | accuracy: 0.875");
    assertThat(r.out()).containsPattern("(?m)^train \\| trained on 5 rows in pid \\d+$");
    assertThat(r.out().indexOf("load |")).isLessThan(r.out().indexOf("train |"));
    assertThat(r.out().indexOf("train |")).isLessThan(r.out().indexOf("evaluate |"));
  }

  @Test
  void logsShowEachMapInstanceAfterItsMapInIndexOrder() {
    String id = run(BrokenSquares.class).runId();

    Result r = runs("logs", id);

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.outLines())
        .contains("square[0] | --- attempt 1 ---", "square[10] | --- attempt 1 ---");
    assertThat(r.out())
        .containsPattern("(?m)^square\\[3\\] \\| .*IllegalStateException: cannot square 3$");
    assertThat(r.out().indexOf("items |")).isLessThan(r.out().indexOf("square[0] |"));
    assertThat(r.out().indexOf("square[2] |")).isLessThan(r.out().indexOf("square[10] |"));
    assertThat(runs("logs", id, "square[3]").outLines())
        .startsWith("--- attempt 1 ---")
        .anyMatch(l -> l.endsWith("IllegalStateException: cannot square 3"));
  }

  @Test
  void logsOfOneStepAreItsLinesWithoutPrefix() {
    String id = runOk(Tiny.class).runId();

    Result r = runs("logs", id.substring(0, 10), "evaluate");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.outLines()).containsExactly("--- attempt 1 ---", "accuracy: 0.875");
  }

  @Test
  void logsOfAFailedStepAndOfAnUnknownStep() {
    String id = run(Branches.class, "--continue-on-failure", "--max-parallelism", "1").runId();

    assertThat(runs("logs", id, "side").outLines())
        .containsExactly("--- attempt 1 ---", "side ran");
    assertThat(
            runs("logs", id, "fail")
                .outLines()) // the failure's whole stack trace is kept with the step
        .startsWith(
            "--- attempt 1 ---",
            "java.lang.IllegalStateException: disk quota exceeded for input 1",
            "second line of the message")
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(
                        "\tat dev.skiff.cli.CliPipelines$Branches.fail(CliPipelines.java:"));
    assertThat(runs("logs", id, "after_fail").outLines()).isEmpty();
    Result unknown = runs("logs", id, "nope");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).startsWith("error: ").contains("nope").doesNotContain("\tat ");
    assertThat(unknown.errLines()).hasSize(1);
  }

  @Test
  void resumeRerunsOnlyTheFailedStepAndWhatFollows() {
    Resumable.reset(true);
    Result failed = run(Resumable.class);
    String id = failed.runId();
    assertThat(failed.exitCode()).as("%s", failed).isEqualTo(1);
    assertThat(failed.out())
        .containsPattern(stepLine("b", "attempt 1 failed: IllegalStateException: b is broken"));
    assertThat(List.of(Resumable.A_CALLS.get(), Resumable.B_CALLS.get(), Resumable.C_CALLS.get()))
        .containsExactly(1, 1, 0);

    Resumable.failB = false;
    Result resumed = runs("resume", id.substring(0, id.length() - 1));

    assertThat(resumed.exitCode()).as("%s", resumed).isZero();
    assertThat(resumed.runId()).isEqualTo(id);
    // (not the first line: skiff-core's DagScheduler reports kept steps before RunStarted)
    assertThat(resumed.outLines())
        .contains("Resuming pipeline resumable on stack 'default' (run " + id + ", 3 steps)");
    assertThat(resumed.out()).containsPattern(stepLine("a", "kept outputs of the earlier attempt"));
    assertThat(resumed.out()).doesNotContainPattern(stepLine("a", "started.*"));
    assertThat(resumed.out()).containsPattern(stepLine("b", "started attempt 2"));
    assertThat(resumed.out()).containsPattern(stepLine("c", "started"));
    assertThat(resumed.out()).contains("Run " + id + " succeeded");
    assertThat(resumed.out()).containsPattern("(?m)^b +succeeded +2 .*$");
    assertThat(resumed.out()).containsPattern("(?m)^c +succeeded +1 .*$");
    assertThat(List.of(Resumable.A_CALLS.get(), Resumable.B_CALLS.get(), Resumable.C_CALLS.get()))
        .containsExactly(1, 2, 1);

    // the run itself is now succeeded; its logs keep both attempts of b
    JsonNode list = runs("list", "-o", "json").json();
    assertThat(list).hasSize(1);
    assertThat(list.get(0).get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(runs("logs", id, "b").outLines())
        .startsWith("--- attempt 1 ---", "java.lang.IllegalStateException: b is broken")
        .endsWith("--- attempt 2 ---");

    assertOneLineError(runs("resume", id), "run " + id + " succeeded: nothing to resume");
  }

  @Test
  void resumeOfARunThatFailsAgainExitsOne() {
    Resumable.reset(true);
    String id = run(Resumable.class).runId();

    Result again = runs("resume", id);

    assertThat(again.exitCode()).as("%s", again).isEqualTo(1);
    assertThat(again.out())
        .containsPattern(stepLine("b", "attempt 2 failed: IllegalStateException: b is broken"));
    assertThat(again.out()).containsPattern("(?m)^c +skipped .*$");
    assertThat(Resumable.A_CALLS.get()).isEqualTo(1);
  }

  @Test
  void resumeInProcessIsolation() {
    Resumable.reset(true);
    String id = run(Resumable.class).runId();

    // a step process has its own static state, where failB is false
    Result resumed = runs("resume", id, "--isolation", "process");

    assertThat(resumed.exitCode()).as("%s", resumed).isZero();
    assertThat(resumed.out()).containsPattern(stepLine("a", "kept outputs of the earlier attempt"));
    assertThat(resumed.out()).containsPattern(stepLine("b", "started attempt 2"));
    assertThat(resumed.out()).containsPattern("(?m)^c +succeeded +1 .*$");
    assertThat(List.of(Resumable.A_CALLS.get(), Resumable.B_CALLS.get(), Resumable.C_CALLS.get()))
        .containsExactly(1, 1, 0);
  }

  @Test
  void resumeOfAnUnknownRunIsAOneLineError() {
    assertOneLineError(runs("resume", "nope"), "no run 'nope': see 'skiff runs list'");
  }

  /** items (11 elements at run time) → square[i] (map) → total; element 3 fails if told. */
  public static class Squares implements dev.skiff.sdk.PipelineDefinition {
    private final boolean broken;

    public Squares() {
      this(false);
    }

    Squares(boolean broken) {
      this.broken = broken;
    }

    static List<Integer> items() {
      return java.util.stream.IntStream.range(0, 11).boxed().toList();
    }

    static int square(int x, boolean broken) {
      if (broken && x == 3) {
        throw new IllegalStateException("cannot square " + x);
      }
      return x * x;
    }

    static int total(List<Integer> squares) {
      return squares.stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public String name() {
      return "squares";
    }

    @Override
    public dev.skiff.sdk.PipelineSettings settings() {
      return dev.skiff.sdk.PipelineSettings.newBuilder().failFast(false).build();
    }

    @Override
    public void define(dev.skiff.sdk.PipelineBuilder p) {
      var items = p.step("items", Squares::items);
      var squares = p.map("square", Squares::square, items, dev.skiff.sdk.Param.of(broken));
      p.step("total", Squares::total, squares);
    }
  }

  /** The same, with element 3 failing. */
  public static final class BrokenSquares extends Squares {
    public BrokenSquares() {
      super(true);
    }
  }

  @Test
  void describeShowsAMapsInstancesIndentedUnderItInIndexOrderWithTheirCount() {
    String id = runOk(Squares.class).runId();

    Result r = runs("describe", id);

    assertThat(r.exitCode()).as("%s", r).isZero();
    List<String> table =
        r.outLines().stream()
            .dropWhile(l -> !l.startsWith("STEP "))
            .skip(1)
            .takeWhile(l -> !l.isBlank())
            .toList();
    assertThat(table).hasSize(3 + 11);
    assertThat(table.get(0)).matches("items +succeeded +1 .*");
    assertThat(table.get(1)).matches("square +succeeded +1 +\\S.* +11/11 succeeded$");
    for (int i = 0; i < 11; i++) {
      assertThat(table.get(2 + i)).matches("  square\\[" + i + "\\] +succeeded +1 .*");
    }
    assertThat(table.get(13)).matches("total +succeeded +1 .*");
    // the outputs table lists the map's elements once, not again for each instance
    // in index order
    assertThat(r.out())
        .containsPattern(
            "(?m)^square +output\\[9\\] +[0-9a-f]{12} +java\\.lang\\.Integer .*\\nsquare +output\\[10\\] ");
    assertThat(r.out()).doesNotContainPattern("(?m)^ *square\\[\\d+\\] +output ");

    // the table after the run is the same
    Result second = run(Squares.class);
    assertThat(second.out()).containsPattern("(?m)^square +succeeded +1 +\\S.* +11/11 cached$");
    assertThat(second.out()).containsPattern("(?m)^  square\\[10\\] +cached .*$");
    // while it runs, instances are prefixed like every step, in the map's column width
    assertThat(second.out()).containsPattern("(?m)^square\\[10\\] \\| cached");
    assertThat(second.out())
        .containsPattern("(?m)^square {5}\\| 11 instances: square\\[0\\] … square\\[10\\]$");
  }

  @Test
  void describeCountsAMapsInstancesByStatus() {
    String id = run(BrokenSquares.class).runId();

    Result r = runs("describe", id);

    assertThat(r.out())
        .containsPattern(
            "(?m)^square +failed +1 +\\S.* +10/11 succeeded, 1 failed; instance 'square\\[3\\]' failed: .*$");
    assertThat(r.out()).containsPattern("(?m)^  square\\[3\\] +failed +1 .*cannot square 3$");
    assertThat(r.out()).containsPattern("(?m)^total +skipped .*$");
    // the map has no result: the outputs of the instances that ran are listed as theirs
    assertThat(r.out()).containsPattern("(?m)^square\\[4\\] +output +[0-9a-f]{12} ");
  }

  @Test
  void describeAsJsonKeepsEveryInstanceWithItsMapAndIndex() {
    String id = runOk(Squares.class).runId();

    JsonNode steps = runs("describe", id, "-o", "json").json().get("steps");

    assertThat(steps).hasSize(3 + 11);
    List<String> instances = new ArrayList<>();
    for (JsonNode s : steps) {
      if (s.has("map")) {
        assertThat(s.get("map").asText()).isEqualTo("square");
        assertThat(s.get("name").asText()).isEqualTo("square[" + s.get("index").asInt() + "]");
        assertThat(s.get("outputs").has("output")).isTrue();
        instances.add(s.get("name").asText());
      }
    }
    assertThat(instances).hasSize(11).contains("square[0]", "square[10]");
    assertThat(names(steps)).contains("items", "square", "total");
  }

  private static List<String> ids(JsonNode runs) {
    List<String> ids = new ArrayList<>();
    runs.forEach(r -> ids.add(r.get("id").asText()));
    return ids;
  }

  private static List<String> names(JsonNode steps) {
    List<String> names = new ArrayList<>();
    steps.forEach(s -> names.add(s.get("name").asText()));
    return names;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
