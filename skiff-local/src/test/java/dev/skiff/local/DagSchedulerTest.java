package dev.skiff.local;

import static dev.skiff.local.TestPipelines.calls;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler's behaviour, through the local orchestrator with real stores. */
@Timeout(60)
class DagSchedulerTest {
  @TempDir Path dir;
  LocalHarness h;

  @BeforeEach
  void setUp() {
    TestPipelines.reset();
    h = new LocalHarness(dir);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void independentStepsStartTogether() {
    var result = h.run(new TestPipelines.Fork(), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
    // each of b and c returns whether the other had started while it waited: both must be true
    for (String step : List.of("b", "c")) {
      ArtifactRecord out = h.store.stepOutputs(result.runId(), step).get("output");
      assertThat(read(out, Boolean.class)).isTrue();
    }
  }

  @Test
  void failedAttemptIsRetriedWithBackoffAndSucceeds() {
    TestPipelines.failUntilAttempt = 1;

    var result = h.run(new TestPipelines.Flaky(), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(h.step(result.runId(), "flaky").attempt()).isEqualTo(2);
    assertThat(calls("flaky")).isEqualTo(2);
    List<RunEvent.StepFailed> failures = h.events(RunEvent.StepFailed.class);
    assertThat(failures).hasSize(1);
    assertThat(failures.get(0).error()).isEqualTo("IllegalStateException: boom on attempt 1");
    assertThat(failures.get(0).retryIn()).isNotNull();
  }

  @Test
  void retriesRunOutAndTheRunFails() {
    TestPipelines.failUntilAttempt = 99;

    var result = h.run(new TestPipelines.Flaky(), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(calls("flaky")).isEqualTo(3);
    var step = h.step(result.runId(), "flaky");
    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.attempt()).isEqualTo(3);
    assertThat(step.error()).isEqualTo("IllegalStateException: boom on attempt 3");
    assertThat(h.store.findRun(result.runId()).orElseThrow().error())
        .isEqualTo("step 'flaky' failed: IllegalStateException: boom on attempt 3");
  }

  @Test
  void failFastStartsNothingNewAfterAFailure() {
    h.extraListener =
        e -> {
          if (e instanceof RunEvent.StepFailed) {
            TestPipelines.release.countDown();
          }
        };

    var result = h.run(new TestPipelines.Branches(), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.statuses(result.runId()))
        .containsEntry("root", StepStatus.SUCCEEDED)
        .containsEntry("fail", StepStatus.FAILED)
        .containsEntry("slow", StepStatus.SUCCEEDED) // already running: allowed to finish
        .containsEntry("after_fail", StepStatus.SKIPPED)
        .containsEntry("after_slow", StepStatus.SKIPPED);
    assertThat(calls("after_slow")).isZero();
  }

  @Test
  void continueOnFailureFinishesIndependentBranches() {
    h.extraListener =
        e -> {
          if (e instanceof RunEvent.StepFailed) {
            TestPipelines.release.countDown();
          }
        };

    var result = h.run(new TestPipelines.Branches(), s -> s.failFast(false));

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.statuses(result.runId()))
        .containsEntry("fail", StepStatus.FAILED)
        .containsEntry("after_fail", StepStatus.SKIPPED)
        .containsEntry("after_slow", StepStatus.SUCCEEDED);
    assertThat(h.step(result.runId(), "after_fail").error())
        .isEqualTo("upstream step 'fail' failed");
  }

  @Test
  void resumeRerunsOnlyTheFailedStepAndItsDownstream() {
    TestPipelines.failB = true;
    var first = h.run(new TestPipelines.Chain(), s -> s.enableCache(false));
    assertThat(first.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.statuses(first.runId()))
        .containsEntry("a", StepStatus.SUCCEEDED)
        .containsEntry("b", StepStatus.FAILED)
        .containsEntry("c", StepStatus.SKIPPED);

    TestPipelines.failB = false;
    var resumed = h.resume(first.runId());

    assertThat(resumed.runId()).isEqualTo(first.runId());
    assertThat(resumed.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(calls("a")).isEqualTo(1);
    assertThat(calls("b")).isEqualTo(2);
    assertThat(calls("c")).isEqualTo(1);
    assertThat(h.step(first.runId(), "b").attempt()).isEqualTo(2);
    assertThat(h.events(RunEvent.StepReused.class))
        .extracting(RunEvent.StepReused::step)
        .containsExactly("a");
    assertThat(read(h.store.stepOutputs(first.runId(), "c").get("output"), Integer.class))
        .isEqualTo(20);
    assertThat(h.store.findRun(first.runId()).orElseThrow().status())
        .isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void secondRunIsCachedAndReusesArtifacts() {
    var first = h.run(new TestPipelines.Cached(), s -> {});
    var second = h.run(new TestPipelines.Cached(), s -> {});

    assertThat(h.statuses(second.runId()))
        .containsOnly(
            Map.entry("source", StepStatus.CACHED),
            Map.entry("parity", StepStatus.CACHED),
            Map.entry("report", StepStatus.CACHED));
    assertThat(calls("source")).isEqualTo(1);
    assertThat(h.step(second.runId(), "report").cachedFrom()).isEqualTo(first.runId());
    assertThat(h.store.stepOutputs(second.runId(), "report").get("output").id())
        .isEqualTo(h.store.stepOutputs(first.runId(), "report").get("output").id());
  }

  @Test
  void parameterChangeMissesButEqualInputContentHitsDownstream() {
    h.run(new TestPipelines.Cached(2), s -> {});
    var second = h.run(new TestPipelines.Cached(4), s -> {});

    assertThat(h.statuses(second.runId()))
        .containsEntry("source", StepStatus.SUCCEEDED) // parameter changed
        .containsEntry("parity", StepStatus.SUCCEEDED) // its input content changed (2 → 4)
        .containsEntry("report", StepStatus.CACHED); // its input content is 0 both times
    var third = h.run(new TestPipelines.Cached(5), s -> {});
    assertThat(h.statuses(third.runId())).containsEntry("report", StepStatus.SUCCEEDED);
  }

  @Test
  void codeChangeMissesTheChangedStepOnly() {
    h.run(new TestPipelines.Cached(2), s -> {});
    var changed = h.run(new TestPipelines.CachedChangedCode(), s -> {});

    assertThat(h.statuses(changed.runId()))
        .containsEntry("source", StepStatus.CACHED)
        .containsEntry("parity", StepStatus.SUCCEEDED)
        .containsEntry("report", StepStatus.CACHED);
  }

  @Test
  void cacheHitsStayWithinOneArtifactStore() throws Exception {
    h.run(new TestPipelines.Cached(), s -> {});
    var otherStore = new dev.skiff.artifacts.LocalArtifactStore(dir.resolve("other-artifacts"));
    RunPlan plan = h.compile(new TestPipelines.Cached(), s -> {});

    var onOther =
        h.orchestrator(LocalOrchestratorConfig.DEFAULTS, otherStore).run(plan, h.listener());

    assertThat(h.statuses(onOther.runId()))
        .containsOnly(
            Map.entry("source", StepStatus.SUCCEEDED),
            Map.entry("parity", StepStatus.SUCCEEDED),
            Map.entry("report", StepStatus.SUCCEEDED));
    assertThat(
            otherStore.exists(h.store.stepOutputs(onOther.runId(), "report").get("output").path()))
        .isTrue();
  }

  @Test
  void disabledCacheRunsEverything() {
    h.run(new TestPipelines.Cached(), s -> {});
    var second = h.run(new TestPipelines.Cached(), s -> s.enableCache(false));

    assertThat(h.statuses(second.runId()))
        .containsOnly(
            Map.entry("source", StepStatus.SUCCEEDED),
            Map.entry("parity", StepStatus.SUCCEEDED),
            Map.entry("report", StepStatus.SUCCEEDED));
    assertThat(calls("source")).isEqualTo(2);
  }

  @Test
  void stepTimeoutFailsTheStep() {
    var result = h.run(new TestPipelines.Slow(), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.step(result.runId(), "sleepy").error()).isEqualTo("timed out after 300 ms");
  }

  @Test
  void maxParallelismLimitsConcurrentSteps() {
    var result =
        h.run(
            h.compile(new TestPipelines.Wide(), s -> s.maxParallelism(2)),
            LocalOrchestratorConfig.DEFAULTS);

    assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(TestPipelines.maxRunning.get()).isBetween(1, 2);
  }

  @Test
  void subprocessIsolationRunsStepsInTheirOwnJvm() throws Exception {
    RunPlan plan = h.compile(new TestPipelines.Isolated(), s -> {});

    var result = h.run(plan, LocalOrchestratorConfig.DEFAULTS.withIsolation(Isolation.PROCESS));

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.statuses(result.runId()))
        .containsEntry("talk", StepStatus.SUCCEEDED)
        .containsEntry("exits", StepStatus.FAILED);
    assertThat(h.step(result.runId(), "exits").error())
        .isEqualTo("step process exited with code 3");
    List<String> lines =
        h.events(RunEvent.StepLogLine.class).stream()
            .filter(e -> e.step().equals("talk"))
            .map(RunEvent.StepLogLine::line)
            .toList();
    assertThat(lines).contains("hello from talk");
    long childPid =
        Long.parseLong(
            lines.stream()
                .filter(l -> l.startsWith("pid "))
                .findFirst()
                .orElseThrow()
                .substring(4));
    assertThat(childPid).isNotEqualTo(ProcessHandle.current().pid());
    assertThat(h.store.stepOutputs(result.runId(), "talk")).containsKeys("output", "notes");
    try (InputStream in = h.artifacts.open("runs/" + result.runId() + "/logs/talk.log")) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("hello from talk");
    }
  }

  @Test
  void inProcessStepOutputIsCapturedIntoTheStepLog() {
    var result =
        h.run(h.compile(new TestPipelines.Talk(), s -> {}), LocalOrchestratorConfig.DEFAULTS);

    assertThat(h.statuses(result.runId())).containsEntry("talk", StepStatus.SUCCEEDED);
    assertThat(h.events(RunEvent.StepLogLine.class))
        .extracting(RunEvent.StepLogLine::line)
        .contains("hello from talk");
  }

  private <T> T read(ArtifactRecord a, Class<T> type) {
    try (InputStream in = h.artifacts.open(a.path())) {
      return type.cast(h.materializers.byId(a.materializer()).read(type, in));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
