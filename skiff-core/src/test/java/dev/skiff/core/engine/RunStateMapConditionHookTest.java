package dev.skiff.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.core.engine.RunState.Action;
import dev.skiff.core.engine.RunState.AttemptSucceeded;
import dev.skiff.core.engine.RunState.CheckCache;
import dev.skiff.core.engine.RunState.ConditionRead;
import dev.skiff.core.engine.RunState.Launch;
import dev.skiff.core.engine.RunState.LinkOutputs;
import dev.skiff.core.engine.RunState.ReadCondition;
import dev.skiff.core.engine.RunState.SummaryWritten;
import dev.skiff.core.engine.RunState.TimerKind;
import dev.skiff.core.engine.RunState.WriteSummary;
import dev.skiff.core.engine.RunStateTest.Harness;
import dev.skiff.core.plan.PlanOutput;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.FailureKind;
import dev.skiff.sdk.Inputs;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RetryPolicy;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.RunSummary;
import dev.skiff.sdk.StepStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The run state machine's maps, fan-ins, conditions and hooks: events in, actions out, with a clock
 * the test moves and the test as the driver. No threads, no sleeps.
 */
class RunStateMapConditionHookTest {
  static List<String> items() {
    return List.of();
  }

  static String score(String item) {
    return item;
  }

  static String total(List<String> scores) {
    return String.join(",", scores);
  }

  static String part() {
    return "p";
  }

  static boolean check() {
    return true;
  }

  static String deploy(String model) {
    return model;
  }

  static String report(RunSummary summary) {
    return summary.status().name();
  }

  static String page(RunSummary summary, String channel) {
    return channel;
  }

  /** items → score (map) → total. */
  record Mapped(int parallelism, RetryPolicy retry) implements PipelineDefinition {
    @Override
    public String name() {
      return "mapped";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<List<String>> items = p.step("items", RunStateMapConditionHookTest::items);
      Out<List<String>> scores =
          p.map("score", RunStateMapConditionHookTest::score, items)
              .configure(s -> s.maxParallelism(parallelism).retry(retry));
      p.step("total", RunStateMapConditionHookTest::total, scores);
    }
  }

  /** model, check → deploy (only if check) → announce; tidy runs after deploy without its data. */
  static final class Conditional implements PipelineDefinition {
    @Override
    public void define(PipelineBuilder p) {
      Out<String> model = p.step("model", RunStateMapConditionHookTest::part);
      Out<Boolean> check = p.step("check", RunStateMapConditionHookTest::check);
      Out<String> deploy = p.step("deploy", RunStateMapConditionHookTest::deploy, model);
      deploy.onlyIf(check);
      p.step("announce", RunStateMapConditionHookTest::deploy, deploy);
      Out<String> tidy = p.step("tidy", RunStateMapConditionHookTest::part);
      p.after(tidy, deploy);
    }
  }

  /** a, b → fail-able c; hooks on failure, on success and always. */
  static final class Hooked implements PipelineDefinition {
    @Override
    public void define(PipelineBuilder p) {
      Out<String> a = p.step("a", RunStateMapConditionHookTest::part);
      p.step("b", RunStateMapConditionHookTest::deploy, a);
      p.onFailure("page", RunStateMapConditionHookTest::page, Param.of("#oncall"));
      p.onSuccess("celebrate", RunStateMapConditionHookTest::report);
      p.always("audit", RunStateMapConditionHookTest::report);
    }
  }

  /** three parts → one fan-in. */
  static final class FannedIn implements PipelineDefinition {
    @Override
    public void define(PipelineBuilder p) {
      List<Out<String>> parts = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        parts.add(p.step("part" + i, RunStateMapConditionHookTest::part));
      }
      p.step("total", RunStateMapConditionHookTest::total, Inputs.all(parts));
    }
  }

  static Harness mapped(int parallelism, RetryPolicy retry, PipelineSettings settings) {
    return new Harness(RunStateTest.COMPILER.compile(new Mapped(parallelism, retry), settings));
  }

  static ArtifactRecord artifact(Harness h, String step, String name, String hash) {
    return new ArtifactRecord(
        step + "-" + name + "-" + hash,
        "run-1",
        step,
        name,
        ArtifactRecord.Kind.DATA,
        "t",
        "test.any/v1",
        "runs/run-1/" + step + "/" + name,
        hash,
        1,
        h.now);
  }

  /** The items step ends with {@code n} elements, {@code elements} giving their content hashes. */
  static Map<String, ArtifactRecord> items(Harness h, String... hashes) {
    Map<String, ArtifactRecord> outs = new LinkedHashMap<>();
    outs.put("output", artifact(h, "items", "output", "list"));
    for (int i = 0; i < hashes.length; i++) {
      outs.put(
          PlanStep.elementName("output", i), artifact(h, "items", "output[" + i + "]", hashes[i]));
    }
    return outs;
  }

  static void succeed(Harness h, String step, int attempt, String hash) {
    Map<String, ArtifactRecord> outs = new LinkedHashMap<>();
    for (PlanOutput o : h.plan.step(step).outputs()) {
      outs.put(o.name(), artifact(h, step, o.name(), hash));
    }
    h.on(new AttemptSucceeded(step, attempt, outs));
  }

  static <T extends Action> List<T> actions(Harness h, Class<T> type) {
    return h.actions.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void aMapExpandsWhenItsItemsAreKnownRunsAtMostItsParallelismAndCollectsTheResultsInOrder() {
    Harness h = mapped(2, RetryPolicy.NONE, PipelineSettings.DEFAULTS).start();
    h.on(new AttemptSucceeded("items", 1, items(h, "e0", "e1", "e2", "e3", "e4")));

    assertThat(h.launched()).containsExactly("items#1", "score[0]#1", "score[1]#1");
    assertThat(h.state.stepStatus("score")).isEqualTo(StepStatus.RUNNING);
    Launch first = actions(h, Launch.class).get(1);
    assertThat(first.step().inputs().get(0).output()).isEqualTo("output[0]");
    // each instance has its own cache key, from its own element
    List<CheckCache> checks = actions(h, CheckCache.class);
    assertThat(checks.get(1).cacheKey()).isNotEqualTo(checks.get(2).cacheKey());

    succeed(h, "score[1]", 1, "r1");
    assertThat(h.launched()).containsExactly("items#1", "score[0]#1", "score[1]#1", "score[2]#1");
    succeed(h, "score[0]", 1, "r0");
    succeed(h, "score[3]", 1, "r3"); // launched when score[0] ended
    succeed(h, "score[2]", 1, "r2");
    assertThat(h.launched()).doesNotContain("total#1");
    succeed(h, "score[4]", 1, "r4");

    assertThat(h.state.stepStatus("score")).isEqualTo(StepStatus.SUCCEEDED);
    LinkOutputs link =
        actions(h, LinkOutputs.class).stream()
            .filter(l -> l.step().equals("score"))
            .findFirst()
            .orElseThrow();
    assertThat(link.outputIds().keySet())
        .containsExactly("output[0]", "output[1]", "output[2]", "output[3]", "output[4]");
    assertThat(link.outputIds().get("output[3]")).isEqualTo("score[3]-output-r3");
    assertThat(h.launched()).endsWith("total#1");
    succeed(h, "total", 1, "t");
    assertThat(h.state.status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void aMapOverAnEmptyListSucceedsAtOnceAndItsReaderGetsAnEmptyList() {
    Harness h = mapped(0, RetryPolicy.NONE, PipelineSettings.DEFAULTS).start();
    h.on(new AttemptSucceeded("items", 1, items(h)));

    assertThat(h.state.stepStatus("score")).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(h.launched()).containsExactly("items#1", "total#1");
    CheckCache total = actions(h, CheckCache.class).get(1);
    assertThat(total.step().name()).isEqualTo("total");
    succeed(h, "total", 1, "t");
    assertThat(h.state.status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void aFailedInstanceIsRetriedAloneAndOneOutOfAttemptsFailsTheMapAndSkipsItsReaders() {
    RetryPolicy twice =
        RetryPolicy.newBuilder().maxAttempts(2).initialBackoff(Duration.ofSeconds(1)).build();
    Harness h = mapped(0, twice, PipelineSettings.DEFAULTS).start();
    h.on(new AttemptSucceeded("items", 1, items(h, "e0", "e1")));
    succeed(h, "score[0]", 1, "r0");
    h.fail("score[1]", 1, FailureKind.USER_CODE);
    assertThat(h.timer(TimerKind.RETRY, "score[1]")).isEqualTo(Duration.ofSeconds(1));
    h.fire(TimerKind.RETRY, "score[1]", 2);
    assertThat(h.launched()).containsExactly("items#1", "score[0]#1", "score[1]#1", "score[1]#2");
    h.fail("score[1]", 2, FailureKind.USER_CODE);

    assertThat(h.state.stepStatus("score[1]")).isEqualTo(StepStatus.FAILED);
    assertThat(h.last("score").status()).isEqualTo(StepStatus.FAILED);
    assertThat(h.last("score").error())
        .isEqualTo("instance 'score[1]' failed: IllegalStateException: USER_CODE on attempt 2");
    assertThat(h.last("total").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(h.state.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.actions)
        .contains(
            new RunState.Finish(
                RunStatus.FAILED,
                "step 'score[1]' failed: IllegalStateException: USER_CODE on attempt 2"));
  }

  @Test
  void aResumeKeepsTheInstancesWithOutputsAndRunsOnlyTheFailedOneAndWhatFollows() {
    Harness first = mapped(0, RetryPolicy.NONE, PipelineSettings.DEFAULTS).start();
    Map<String, ArtifactRecord> items = items(first, "e0", "e1", "e2");
    first.on(new AttemptSucceeded("items", 1, items));
    succeed(first, "score[0]", 1, "r0");
    succeed(first, "score[2]", 1, "r2");
    first.fail("score[1]", 1, FailureKind.USER_CODE);
    assertThat(first.state.status()).isEqualTo(RunStatus.FAILED);

    Map<String, Map<String, ArtifactRecord>> kept = new LinkedHashMap<>();
    kept.put("items", items);
    kept.put("score[0]", Map.of("output", artifact(first, "score[0]", "output", "r0")));
    kept.put("score[2]", Map.of("output", artifact(first, "score[2]", "output", "r2")));
    List<StepRecord> previous = RunStateTest.latest(first);
    Harness resumed = mapped(0, RetryPolicy.NONE, PipelineSettings.DEFAULTS);
    resumed.start(previous, kept, false);

    assertThat(resumed.launched()).containsExactly("score[1]#2");
    assertThat(resumed.state.stepStatus("score[0]")).isEqualTo(StepStatus.SUCCEEDED);
    succeed(resumed, "score[1]", 2, "r1");
    assertThat(resumed.launched()).containsExactly("score[1]#2", "total#1");
    succeed(resumed, "total", 1, "t");
    assertThat(resumed.state.status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void aFalseConditionSkipsTheStepAndWhatNeedsItsOutputsButTheRunSucceeds() {
    Harness h =
        new Harness(RunStateTest.COMPILER.compile(new Conditional(), PipelineSettings.DEFAULTS))
            .start();
    succeed(h, "model", 1, "m");
    succeed(h, "check", 1, "c");
    List<ReadCondition> reads = actions(h, ReadCondition.class);
    assertThat(reads).hasSize(1);
    assertThat(reads.get(0).artifact().id()).isEqualTo("check-output-c");
    assertThat(h.launched()).doesNotContain("deploy#1");
    assertThat(h.state.finished()).isFalse(); // waits for the answer

    h.on(new ConditionRead("check-output-c", false, null));

    assertThat(h.last("deploy").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(h.last("deploy").error()).isEqualTo("condition false: 'check' is false");
    assertThat(h.last("announce").error())
        .isEqualTo("condition false: upstream step 'deploy' was skipped");
    assertThat(h.launched()).contains("tidy#1"); // after deploy, without its data: goes on
    succeed(h, "tidy", 1, "t");
    assertThat(h.state.status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void aTrueConditionRunsTheStepAndAnUnreadableOneFailsTheRun() {
    Harness h =
        new Harness(RunStateTest.COMPILER.compile(new Conditional(), PipelineSettings.DEFAULTS))
            .start();
    succeed(h, "model", 1, "m");
    succeed(h, "check", 1, "c");
    h.on(new ConditionRead("check-output-c", true, null));
    assertThat(h.launched()).contains("deploy#1");

    Harness broken =
        new Harness(RunStateTest.COMPILER.compile(new Conditional(), PipelineSettings.DEFAULTS))
            .start();
    succeed(broken, "model", 1, "m");
    succeed(broken, "check", 1, "c");
    broken.on(new ConditionRead("check-output-c", null, "content hash mismatch"));
    assertThat(broken.last("deploy").error())
        .isEqualTo("cannot read the condition of step 'deploy': content hash mismatch");
    assertThat(broken.state.status()).isEqualTo(RunStatus.FAILED);
  }

  @Test
  void afterAFailureTheOnFailureAndAlwaysHooksRunWithTheSummaryAndTheirFailureChangesNothing() {
    Harness h =
        new Harness(RunStateTest.COMPILER.compile(new Hooked(), PipelineSettings.DEFAULTS)).start();
    succeed(h, "a", 1, "a");
    h.advance(Duration.ofSeconds(3));
    h.fail("b", 1, FailureKind.USER_CODE);

    List<WriteSummary> writes = actions(h, WriteSummary.class);
    assertThat(writes).hasSize(1);
    RunSummary summary = writes.get(0).summary();
    assertThat(summary.status()).isEqualTo(RunStatus.FAILED);
    assertThat(summary.failedStep()).isEqualTo("b");
    assertThat(summary.error())
        .isEqualTo("step 'b' failed: IllegalStateException: USER_CODE on attempt 1");
    assertThat(summary.duration()).isEqualTo(Duration.ofSeconds(3));
    assertThat(summary.step("b").orElseThrow().duration()).isEqualTo(Duration.ofSeconds(3));
    assertThat(summary.steps()).extracting(RunSummary.Step::name).containsExactly("a", "b");
    assertThat(writes.get(0).hooks()).containsOnlyKeys("page", "audit");
    assertThat(h.last("celebrate").error()).isEqualTo("not run: the run failed");
    assertThat(h.state.status()).isEqualTo(RunStatus.RUNNING);

    h.on(new SummaryWritten(artifact(h, null, "summary", "s"), null));
    assertThat(h.launched()).containsExactly("a#1", "b#1", "page#1", "audit#1"); // never cached
    h.fail("page", 1, FailureKind.USER_CODE);
    succeed(h, "audit", 1, "x");

    assertThat(h.last("page").status()).isEqualTo(StepStatus.FAILED);
    assertThat(h.state.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.actions)
        .last()
        .isEqualTo(
            new RunState.Finish(
                RunStatus.FAILED,
                "step 'b' failed: IllegalStateException: USER_CODE on attempt 1"));
  }

  @Test
  void afterSuccessTheOnSuccessHookRunsAndAFailingHookLeavesTheRunSucceeded() {
    Harness h =
        new Harness(RunStateTest.COMPILER.compile(new Hooked(), PipelineSettings.DEFAULTS)).start();
    succeed(h, "a", 1, "a");
    succeed(h, "b", 1, "b");
    assertThat(actions(h, WriteSummary.class).get(0).hooks())
        .containsOnlyKeys("celebrate", "audit");
    assertThat(h.last("page").error()).isEqualTo("not run: the run succeeded");

    h.on(new SummaryWritten(artifact(h, null, "summary", "s"), null));
    h.fail("celebrate", 1, FailureKind.USER_CODE);
    assertThat(h.state.finished()).isFalse();
    succeed(h, "audit", 1, "x");

    assertThat(h.state.status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void aStopSkipsTheHooks() {
    Harness h =
        new Harness(RunStateTest.COMPILER.compile(new Hooked(), PipelineSettings.DEFAULTS)).start();
    h.on(new RunState.StopRequested("stopped by the user"));
    h.fail("a", 1, FailureKind.CANCELLED);

    assertThat(actions(h, WriteSummary.class)).isEmpty();
    assertThat(h.last("audit").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(h.state.status()).isEqualTo(RunStatus.STOPPED);
  }

  @Test
  void aFanInWaitsForEverySourceAndItsCacheKeyCoversEachOnesContent() {
    Harness h =
        new Harness(RunStateTest.COMPILER.compile(new FannedIn(), PipelineSettings.DEFAULTS))
            .start();
    succeed(h, "part0", 1, "x");
    succeed(h, "part1", 1, "y");
    assertThat(h.launched()).doesNotContain("total#1");
    succeed(h, "part2", 1, "z");
    assertThat(h.launched()).contains("total#1");

    Harness other =
        new Harness(RunStateTest.COMPILER.compile(new FannedIn(), PipelineSettings.DEFAULTS))
            .start();
    succeed(other, "part0", 1, "x");
    succeed(other, "part1", 1, "CHANGED");
    succeed(other, "part2", 1, "z");
    assertThat(key(h, "total")).isNotEqualTo(key(other, "total"));
  }

  private static String key(Harness h, String step) {
    return actions(h, CheckCache.class).stream()
        .filter(c -> c.step().name().equals(step))
        .findFirst()
        .orElseThrow()
        .cacheKey();
  }
}
