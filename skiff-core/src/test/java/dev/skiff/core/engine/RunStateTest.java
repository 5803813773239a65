package dev.skiff.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.core.engine.RunState.Action;
import dev.skiff.core.engine.RunState.AttemptFailed;
import dev.skiff.core.engine.RunState.AttemptSucceeded;
import dev.skiff.core.engine.RunState.CacheChecked;
import dev.skiff.core.engine.RunState.CacheHit;
import dev.skiff.core.engine.RunState.Cancel;
import dev.skiff.core.engine.RunState.CheckCache;
import dev.skiff.core.engine.RunState.Launch;
import dev.skiff.core.engine.RunState.SaveStep;
import dev.skiff.core.engine.RunState.SetTimer;
import dev.skiff.core.engine.RunState.StopRequested;
import dev.skiff.core.engine.RunState.Timer;
import dev.skiff.core.engine.RunState.TimerFired;
import dev.skiff.core.engine.RunState.TimerKind;
import dev.skiff.core.plan.PlanOutput;
import dev.skiff.core.plan.PlanOutputs;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.FailureKind;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RetryPolicy;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The run state machine alone: events in, actions out, with a clock the test moves and a launcher
 * that is the test itself (it answers each {@link Launch} when it chooses). No threads, no sleeps.
 */
class RunStateTest {
  static final PlanCompiler COMPILER =
      new PlanCompiler(Materializers.of(List.of(PlanCompilerTest.ANY)));

  static String a() {
    return "a";
  }

  static String b(String in) {
    return in + "b";
  }

  static String c(String in) {
    return in + "c";
  }

  static String d(String left, String right) {
    return left + right;
  }

  /** a → (b ∥ c) → d; {@code retry} and {@code timeout} apply to b. */
  record Diamond(RetryPolicy retry, Duration timeout) implements PipelineDefinition {
    @Override
    public String name() {
      return "diamond";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<String> a = p.step("a", RunStateTest::a);
      Out<String> b =
          p.step("b", RunStateTest::b, a)
              .configure(
                  s -> {
                    s.retry(retry);
                    if (timeout != null) {
                      s.timeout(timeout);
                    }
                  });
      Out<String> c = p.step("c", RunStateTest::c, a);
      p.step("d", RunStateTest::d, b, c);
    }
  }

  /** A machine, the clock it is fed, and every action it asked for. */
  static final class Harness {
    final RunPlan plan;
    final RunState state;
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    final List<Action> actions = new ArrayList<>();
    final List<StepRecord> saved = new ArrayList<>();

    Harness(RunPlan plan) {
      this.plan = plan;
      this.state = new RunState(plan, "run-1", "file:/store", 0);
    }

    Harness start() {
      return start(List.of(), Map.of(), false);
    }

    Harness start(
        List<StepRecord> previous, Map<String, Map<String, ArtifactRecord>> kept, boolean restart) {
      record(state.start(previous, kept, restart, now));
      return this;
    }

    void on(RunState.Event e) {
      record(state.on(e, now));
    }

    /**
     * Records the actions and answers cache lookups with a miss, as a driver with an empty cache.
     */
    private void record(List<Action> out) {
      List<CacheChecked> misses = new ArrayList<>();
      for (Action a : out) {
        actions.add(a);
        if (a instanceof SaveStep s) {
          saved.add(s.record());
        }
        if (a instanceof CheckCache c) {
          misses.add(new CacheChecked(c.step().name(), null));
        }
      }
      misses.forEach(this::on);
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    List<String> launched() {
      return actions.stream()
          .filter(a -> a instanceof Launch)
          .map(a -> ((Launch) a).step().name() + "#" + ((Launch) a).attempt())
          .toList();
    }

    void succeed(String step, int attempt) {
      Map<String, ArtifactRecord> outs = new LinkedHashMap<>();
      for (PlanOutput o : plan.step(step).outputs()) {
        outs.put(
            o.name(),
            new ArtifactRecord(
                step + "-" + o.name() + "-" + attempt,
                "run-1",
                step,
                o.name(),
                ArtifactRecord.Kind.DATA,
                o.type(),
                o.materializer(),
                "runs/run-1/" + step,
                "hash-" + step,
                1,
                now));
      }
      on(new AttemptSucceeded(step, attempt, outs));
    }

    void fail(String step, int attempt, FailureKind kind) {
      on(
          new AttemptFailed(
              step, attempt, kind, "IllegalStateException: " + kind + " on attempt " + attempt));
    }

    /** The delay of the last timer set of this kind for this step. */
    Duration timer(TimerKind kind, String step) {
      for (int i = actions.size() - 1; i >= 0; i--) {
        if (actions.get(i) instanceof SetTimer t
            && t.timer().kind() == kind
            && java.util.Objects.equals(step, t.timer().step())) {
          return t.delay();
        }
      }
      throw new AssertionError("no " + kind + " timer for " + step + " in " + actions);
    }

    void fire(TimerKind kind, String step, int attempt) {
      on(new TimerFired(new Timer(kind, step, attempt)));
    }

    StepRecord last(String step) {
      for (int i = saved.size() - 1; i >= 0; i--) {
        if (saved.get(i).name().equals(step)) {
          return saved.get(i);
        }
      }
      throw new AssertionError("step " + step + " never saved");
    }
  }

  static Harness diamond(RetryPolicy retry) {
    return diamond(retry, null, PipelineSettings.DEFAULTS);
  }

  static Harness diamond(RetryPolicy retry, Duration timeout, PipelineSettings settings) {
    return new Harness(COMPILER.compile(new Diamond(retry, timeout), settings));
  }

  @Test
  void independentStepsStartTogetherAndTheRunSucceedsWhenAllHaveOutputs() {
    Harness h = diamond(RetryPolicy.NONE).start();
    assertThat(h.launched()).containsExactly("a#1");
    h.succeed("a", 1);
    assertThat(h.launched()).containsExactly("a#1", "b#1", "c#1");
    h.succeed("b", 1);
    h.succeed("c", 1);
    h.succeed("d", 1);

    assertThat(h.state.finished()).isTrue();
    assertThat(h.state.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(h.actions).last().isEqualTo(new RunState.Finish(RunStatus.SUCCEEDED, null));
  }

  @Test
  void userFailuresSpendMaxAttemptsWithBackoffAndTheLastOneFailsTheStep() {
    RetryPolicy retry =
        RetryPolicy.newBuilder().maxAttempts(3).initialBackoff(Duration.ofSeconds(2)).build();
    Harness h = diamond(retry).start();
    h.succeed("a", 1);
    h.succeed("c", 1);

    h.fail("b", 1, FailureKind.USER_CODE);
    assertThat(h.timer(TimerKind.RETRY, "b")).isEqualTo(Duration.ofSeconds(2));
    assertThat(h.state.stepStatus("b")).isEqualTo(StepStatus.RUNNING);
    assertThat(h.launched()).doesNotContain("b#2"); // not before the timer
    h.fire(TimerKind.RETRY, "b", 2);
    h.fail("b", 2, FailureKind.USER_CODE);
    assertThat(h.timer(TimerKind.RETRY, "b")).isEqualTo(Duration.ofSeconds(4));
    h.fire(TimerKind.RETRY, "b", 3);
    h.fail("b", 3, FailureKind.USER_CODE);

    assertThat(h.launched()).containsSubsequence("b#1", "b#2", "b#3");
    assertThat(h.state.stepStatus("b")).isEqualTo(StepStatus.FAILED);
    assertThat(h.last("b").error()).isEqualTo("IllegalStateException: USER_CODE on attempt 3");
    assertThat(h.last("b").userFailures()).isEqualTo(3);
    assertThat(h.state.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.last("d").status()).isEqualTo(StepStatus.SKIPPED);
  }

  @Test
  void infrastructureFailuresHaveTheirOwnBudgetAndDoNotSpendTheUsersAttempts() {
    RetryPolicy retry =
        RetryPolicy.newBuilder()
            .maxAttempts(1)
            .infrastructureRetries(2)
            .initialBackoff(Duration.ZERO)
            .build();
    Harness h = diamond(retry).start();
    h.succeed("a", 1);

    h.fail("b", 1, FailureKind.INFRASTRUCTURE); // evicted
    h.fire(TimerKind.RETRY, "b", 2);
    h.fail("b", 2, FailureKind.INFRASTRUCTURE); // node lost
    h.fire(TimerKind.RETRY, "b", 3);
    assertThat(h.launched()).contains("b#3"); // still one user attempt left: its only one
    h.succeed("b", 3);
    assertThat(h.last("b").infraFailures()).isEqualTo(2);
    assertThat(h.last("b").userFailures()).isZero();

    Harness exhausted = diamond(retry).start();
    exhausted.succeed("a", 1);
    exhausted.fail("b", 1, FailureKind.INFRASTRUCTURE);
    exhausted.fire(TimerKind.RETRY, "b", 2);
    exhausted.fail("b", 2, FailureKind.INFRASTRUCTURE);
    exhausted.fire(TimerKind.RETRY, "b", 3);
    exhausted.fail("b", 3, FailureKind.INFRASTRUCTURE);
    assertThat(exhausted.state.stepStatus("b")).isEqualTo(StepStatus.FAILED);

    Harness userCode = diamond(retry).start();
    userCode.succeed("a", 1);
    userCode.fail(
        "b", 1, FailureKind.USER_CODE); // maxAttempts 1: no retry for the step's own failure
    assertThat(userCode.state.stepStatus("b")).isEqualTo(StepStatus.FAILED);
  }

  @Test
  void retryOnDecidesWhichKindsAreRetried() {
    RetryPolicy onlyUserCode =
        RetryPolicy.newBuilder().maxAttempts(3).retryOn(FailureKind.USER_CODE).build();
    Harness h = diamond(onlyUserCode).start();
    h.succeed("a", 1);
    h.fail("b", 1, FailureKind.TIMEOUT);
    assertThat(h.state.stepStatus("b")).isEqualTo(StepStatus.FAILED);

    Harness cancelled = diamond(RetryPolicy.newBuilder().maxAttempts(3).build()).start();
    cancelled.succeed("a", 1);
    cancelled.fail("b", 1, FailureKind.CANCELLED); // never retried
    assertThat(cancelled.state.stepStatus("b")).isEqualTo(StepStatus.FAILED);
  }

  @Test
  void aTimeoutCancelsTheAttemptAndCountsAsATimeoutFailure() {
    Harness h =
        diamond(
                RetryPolicy.newBuilder().maxAttempts(2).initialBackoff(Duration.ZERO).build(),
                Duration.ofMinutes(5),
                PipelineSettings.DEFAULTS)
            .start();
    h.succeed("a", 1);
    assertThat(h.timer(TimerKind.TIMEOUT, "b")).isEqualTo(Duration.ofMinutes(5));

    h.advance(Duration.ofMinutes(5));
    h.fire(TimerKind.TIMEOUT, "b", 1);

    assertThat(h.actions).contains(new Cancel("b", 1));
    assertThat(h.saved).anySatisfy(r -> assertThat(r.error()).isEqualTo("timed out after 300 s"));
    h.succeed("b", 1); // the cancelled attempt's late end changes nothing
    assertThat(h.state.stepStatus("b")).isEqualTo(StepStatus.RUNNING);
    h.fire(TimerKind.RETRY, "b", 2);
    h.succeed("b", 2);
    assertThat(h.state.stepStatus("b")).isEqualTo(StepStatus.SUCCEEDED);
  }

  @Test
  void failFastStartsNothingNewButLetsRunningStepsFinish() {
    Harness h =
        diamond(
                RetryPolicy.newBuilder().maxAttempts(2).build(),
                null,
                PipelineSettings.newBuilder().failFast(true).build())
            .start();
    h.succeed("a", 1);
    h.fail("b", 1, FailureKind.USER_CODE); // b waits for its retry
    h.fail("c", 1, FailureKind.USER_CODE); // c has no retry on its own policy: the run fails fast
    assertThat(h.state.finished()).isFalse(); // b's retry is still pending
    h.fire(TimerKind.RETRY, "b", 2);

    assertThat(h.launched()).doesNotContain("b#2");
    assertThat(h.last("b").error()).isEqualTo("not retried: another step failed (fail fast)");
    assertThat(h.last("d").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(h.state.status()).isEqualTo(RunStatus.FAILED);
  }

  @Test
  void continuingAfterAFailureRunsEveryIndependentBranch() {
    Harness h =
        diamond(RetryPolicy.NONE, null, PipelineSettings.newBuilder().failFast(false).build())
            .start();
    h.succeed("a", 1);
    h.fail("b", 1, FailureKind.USER_CODE);
    assertThat(h.last("d").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(h.last("d").error()).isEqualTo("upstream step 'b' failed");
    assertThat(h.state.finished()).isFalse();
    h.succeed("c", 1);
    assertThat(h.state.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.last("c").status()).isEqualTo(StepStatus.SUCCEEDED);
  }

  @Test
  void aStopCancelsRunningStepsStopsThoseWaitingForARetryAndEndsStopped() {
    Harness h = diamond(RetryPolicy.newBuilder().maxAttempts(3).build()).start();
    h.succeed("a", 1);
    h.fail("b", 1, FailureKind.USER_CODE); // b is in its retry backoff, c runs

    h.on(new StopRequested("stopped by the user"));

    assertThat(h.actions)
        .contains(
            new RunState.SaveRun(RunStatus.STOPPING, null, null),
            new Cancel("c", 1),
            new RunState.CancelTimer(new Timer(TimerKind.RETRY, "b", 2)));
    assertThat(h.last("b").status()).isEqualTo(StepStatus.STOPPED);
    assertThat(h.state.status()).isEqualTo(RunStatus.STOPPING);
    h.fail("c", 1, FailureKind.CANCELLED);
    assertThat(h.last("c").status()).isEqualTo(StepStatus.STOPPED);
    assertThat(h.last("d").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(h.state.status()).isEqualTo(RunStatus.STOPPED);
    assertThat(h.saved)
        .noneSatisfy(
            r ->
                assertThat(h.last(r.name()).status()).isIn(StepStatus.RUNNING, StepStatus.PENDING));
  }

  @Test
  void aStopDuringFailFastWindDownEndsAfterTheGraceEvenIfAnAttemptNeverEnds() {
    Harness h =
        diamond(RetryPolicy.NONE, null, PipelineSettings.newBuilder().failFast(true).build())
            .start();
    h.succeed("a", 1);
    h.fail("b", 1, FailureKind.USER_CODE); // fail fast: the run winds down while c still runs

    h.on(new StopRequested("stopped by the user"));
    assertThat(h.actions).contains(new Cancel("c", 1));
    assertThat(h.timer(TimerKind.STOP_GRACE, null)).isEqualTo(RunState.STOP_GRACE);
    h.advance(RunState.STOP_GRACE);
    h.on(new TimerFired(new Timer(TimerKind.STOP_GRACE, null, 0))); // c ignored its cancellation

    assertThat(h.state.status()).isEqualTo(RunStatus.STOPPED);
    assertThat(h.last("c").status()).isEqualTo(StepStatus.STOPPED);
    h.succeed("c", 1); // ends later: ignored
    assertThat(h.last("c").status()).isEqualTo(StepStatus.STOPPED);
  }

  @Test
  void aRestartDuringBackoffKeepsTheRetryBudgetAndStartsTheNextAttempt() {
    RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(2).build();
    Harness first = diamond(retry).start();
    first.succeed("a", 1);
    first.succeed("c", 1);
    first.fail("b", 1, FailureKind.USER_CODE); // the orchestrator dies during b's backoff
    List<StepRecord> stored = latest(first);

    Harness restarted = diamond(retry).start(stored, kept(first, "a", "c"), true);
    assertThat(restarted.launched()).containsExactly("b#2");
    restarted.fail("b", 2, FailureKind.USER_CODE);
    assertThat(restarted.state.stepStatus("b"))
        .as("attempt 2 was the last of 2")
        .isEqualTo(StepStatus.FAILED);

    Harness resumed = diamond(retry).start(latest(first, restarted), kept(first, "a", "c"), false);
    resumed.fail("b", 3, FailureKind.USER_CODE);
    assertThat(resumed.state.stepStatus("b"))
        .as("a resume grants new attempts")
        .isEqualTo(StepStatus.RUNNING);
  }

  @Test
  void aRestartAdoptsTheAttemptInFlightAndAResumeRunsOnlyWhatHasNoOutputs() {
    Harness first = diamond(RetryPolicy.NONE).start();
    first.succeed("a", 1); // b and c in flight when the orchestrator dies

    Harness restarted = diamond(RetryPolicy.NONE).start(latest(first), kept(first, "a"), true);
    assertThat(restarted.launched())
        .containsExactlyInAnyOrder("b#1", "c#1"); // same attempts: their pods are adopted
    assertThat(restarted.actions)
        .contains(new RunState.Emit(new RunEvent.StepReused("run-1", "a")));

    restarted.succeed("c", 1);
    restarted.fail("b", 1, FailureKind.USER_CODE);
    Harness resumed =
        diamond(RetryPolicy.NONE).start(latest(first, restarted), kept(restarted, "a", "c"), false);
    assertThat(resumed.launched()).containsExactly("b#2");
    resumed.succeed("b", 2);
    resumed.succeed("d", 1);
    assertThat(resumed.state.status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void aCacheHitLinksTheOutputsAndLaunchesNothing() {
    Harness h =
        new Harness(
            COMPILER.compile(new Diamond(RetryPolicy.NONE, null), PipelineSettings.DEFAULTS));
    List<Action> out = h.state.start(List.of(), Map.of(), false, h.now);
    CheckCache check =
        (CheckCache) out.stream().filter(a -> a instanceof CheckCache).findFirst().orElseThrow();
    ArtifactRecord cached =
        new ArtifactRecord(
            "x",
            "run-0",
            "a",
            PlanOutputs.DEFAULT,
            ArtifactRecord.Kind.DATA,
            "java.lang.String",
            "test.any/v1",
            "p",
            "h",
            1,
            h.now);

    List<Action> after =
        h.state.on(
            new CacheChecked(
                check.step().name(), new CacheHit(Map.of(PlanOutputs.DEFAULT, cached), "run-0")),
            h.now);

    assertThat(after).noneMatch(a -> a instanceof Launch && ((Launch) a).step().name().equals("a"));
    assertThat(after)
        .contains(new RunState.LinkOutputs("a", Map.of(PlanOutputs.DEFAULT, "x"), Map.of()));
    assertThat(h.state.stepStatus("a")).isEqualTo(StepStatus.CACHED);
    assertThat(after)
        .filteredOn(a -> a instanceof CheckCache)
        .extracting(a -> ((CheckCache) a).step().name())
        .containsExactlyInAnyOrder("b", "c");
  }

  @Test
  void theTransitionTableAllowsOnlyForwardMoves() {
    assertThat(Transitions.allowed(StepStatus.PENDING, StepStatus.RUNNING)).isTrue();
    assertThat(Transitions.allowed(StepStatus.SUCCEEDED, StepStatus.RUNNING)).isFalse();
    assertThat(Transitions.allowed(StepStatus.STOPPED, StepStatus.SUCCEEDED)).isFalse();
    assertThat(Transitions.allowed(StepStatus.PENDING, StepStatus.STOPPED)).isFalse();
    assertThat(Transitions.allowed(RunStatus.STOPPING, RunStatus.SUCCEEDED)).isFalse();
    assertThat(Transitions.allowed(RunStatus.SUCCEEDED, RunStatus.RUNNING)).isFalse();
    assertThat(Transitions.allowed(RunStatus.FAILED, RunStatus.RUNNING)).isTrue();
  }

  /**
   * The last record saved of every step by these machines in turn, as the store would hold them.
   */
  static List<StepRecord> latest(Harness... machines) {
    Map<String, StepRecord> last = new LinkedHashMap<>();
    for (Harness h : machines) {
      h.saved.forEach(r -> last.put(r.name(), r));
    }
    return new ArrayList<>(last.values());
  }

  /** The outputs of these steps, as a driver finds them still present. */
  static Map<String, Map<String, ArtifactRecord>> kept(Harness h, String... steps) {
    Map<String, Map<String, ArtifactRecord>> kept = new LinkedHashMap<>();
    for (String step : steps) {
      Map<String, ArtifactRecord> outs = new LinkedHashMap<>();
      for (PlanOutput o : h.plan.step(step).outputs()) {
        outs.put(
            o.name(),
            new ArtifactRecord(
                step + "-" + o.name(),
                "run-1",
                step,
                o.name(),
                ArtifactRecord.Kind.DATA,
                o.type(),
                o.materializer(),
                "p",
                "hash-" + step,
                1,
                h.now));
      }
      kept.put(step, outs);
    }
    return kept;
  }
}
