package dev.skiff.local;

import static dev.skiff.local.FlowPipelines.Ctl.calls;
import static dev.skiff.local.FlowPipelines.Ctl.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fan-ins, maps over run-time lists, conditions and hooks on the local orchestrator, with real
 * stores, in threads and in step processes.
 */
@Timeout(180)
class FlowTest {
  @TempDir Path dir;
  Path ctl;
  LocalHarness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new LocalHarness(dir);
    ctl = Files.createDirectories(dir.resolve("ctl"));
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  LocalOrchestrator.Result run(
      Isolation isolation, PipelineDefinition p, Consumer<PipelineSettings.Builder> settings) {
    return h.run(h.compile(p, settings), config(isolation));
  }

  static LocalOrchestratorConfig config(Isolation isolation) {
    return LocalOrchestratorConfig.DEFAULTS.withIsolation(isolation);
  }

  @ParameterizedTest
  @EnumSource(Isolation.class)
  void aFanInGivesOneStepFiftyOutputsInTheOrderGiven(Isolation isolation) {
    if (isolation == Isolation.PROCESS) {
      // 50 producer JVMs would only test processes again: their outputs come from the cache, the
      // fan-in step runs in its own JVM
      run(Isolation.THREAD, new FlowPipelines.FanIn(ctl.toString(), "threads"), s -> {});
    }
    var result = run(isolation, new FlowPipelines.FanIn(ctl.toString(), isolation.name()), s -> {});

    assertThat(result.status())
        .as(() -> h.store.findRun(result.runId()).orElseThrow().error())
        .isEqualTo(RunStatus.SUCCEEDED);
    assertThat(h.step(result.runId(), "joined").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(read(result.runId(), "joined", String.class))
        .isEqualTo(String.join(",", IntStream.range(0, 50).mapToObj(String::valueOf).toList()));
    assertThat(h.store.stepInputs(result.runId(), "joined")).hasSize(50).containsKey("parts[49]");
  }

  @ParameterizedTest
  @EnumSource(Isolation.class)
  void aMapOverTwentyRunTimeElementsRunsFourAtOnceAndCollectsInOrder(Isolation isolation) {
    var result = run(isolation, FlowPipelines.Squares.of(ctl, 20, 4, 4), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(read(result.runId(), "collect", String.class))
        .isEqualTo(
            String.join(",", IntStream.range(0, 20).mapToObj(i -> String.valueOf(i * i)).toList()));
    // the first four waited for one another: they ran at once; no more than four ever did
    assertThat(lines(ctl, "met")).hasSize(4);
    assertThat(lines(ctl, "concurrency").stream().mapToInt(Integer::parseInt).max().orElseThrow())
        .isEqualTo(4);
    List<StepRecord> steps = h.store.listSteps(result.runId());
    assertThat(steps)
        .filteredOn(s -> s.name().startsWith("sq["))
        .hasSize(20)
        .allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.SUCCEEDED));
    assertThat(h.step(result.runId(), "sq").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(h.store.stepOutputs(result.runId(), "sq")).hasSize(20).containsKey("output[19]");
    assertThat(h.store.stepInputs(result.runId(), "sq[7]")).containsKey("x");
  }

  @ParameterizedTest
  @EnumSource(Isolation.class)
  void aMapOverAnEmptyListSucceedsWithAnEmptyResult(Isolation isolation) {
    var result = run(isolation, FlowPipelines.Squares.of(ctl, 0, 4, 0), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(read(result.runId(), "collect", String.class)).isEqualTo("empty");
    assertThat(h.statuses(result.runId()))
        .containsOnlyKeys("items", "sq", "collect")
        .containsEntry("sq", StepStatus.SUCCEEDED);
  }

  @ParameterizedTest
  @EnumSource(Isolation.class)
  void aFailedInstanceIsRetriedAlone(Isolation isolation) throws Exception {
    Files.createFile(ctl.resolve("flaky"));

    var result = run(isolation, FlowPipelines.Squares.of(ctl, 5, 0, 0), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(calls(ctl, "sq[2]")).isEqualTo(2);
    for (int i : List.of(0, 1, 3, 4)) {
      assertThat(calls(ctl, "sq[" + i + "]")).isEqualTo(1);
      assertThat(h.step(result.runId(), "sq[" + i + "]").attempt()).isEqualTo(1);
    }
    StepRecord retried = h.step(result.runId(), "sq[2]");
    assertThat(retried.attempt()).isEqualTo(2);
    assertThat(retried.userFailures()).isEqualTo(1);
    assertThat(read(result.runId(), "collect", String.class)).isEqualTo("0,1,4,9,16");
  }

  @ParameterizedTest
  @EnumSource(Isolation.class)
  void aResumeAfterAFailedInstanceRunsOnlyItAndWhatFollows(Isolation isolation) throws Exception {
    Files.createFile(ctl.resolve("broken"));
    RunPlan plan =
        h.compile(
            FlowPipelines.Squares.of(ctl, 5, 0, 0), s -> s.enableCache(false).failFast(false));
    var first = h.run(plan, config(isolation));
    assertThat(first.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.statuses(first.runId()))
        .containsEntry("sq[3]", StepStatus.FAILED)
        .containsEntry("sq[4]", StepStatus.SUCCEEDED)
        .containsEntry("sq", StepStatus.FAILED)
        .containsEntry("collect", StepStatus.SKIPPED);
    assertThat(h.store.findRun(first.runId()).orElseThrow().error())
        .isEqualTo("step 'sq[3]' failed: IllegalStateException: broken element 3");

    Files.delete(ctl.resolve("broken"));
    h.events.clear();
    var resumed = h.orchestrator(config(isolation)).resume(first.runId(), h.listener());

    assertThat(resumed.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(calls(ctl, "items")).isEqualTo(1);
    assertThat(calls(ctl, "sq[3]")).isEqualTo(3); // 2 attempts, then 1 in the resume
    for (int i : List.of(0, 1, 2, 4)) {
      assertThat(calls(ctl, "sq[" + i + "]")).isEqualTo(1);
    }
    assertThat(calls(ctl, "collect")).isEqualTo(1);
    assertThat(h.step(first.runId(), "sq[3]").attempt()).isEqualTo(3);
    assertThat(read(first.runId(), "collect", String.class)).isEqualTo("0,1,4,9,16");
  }

  @ParameterizedTest
  @EnumSource(Isolation.class)
  void aSecondRunReusesEachInstanceAndAChangedElementRunsAlone(Isolation isolation) {
    var first = run(isolation, FlowPipelines.Squares.of(ctl, 4, 0, 0), s -> {});
    var second = run(isolation, FlowPipelines.Squares.of(ctl, 4, 0, 0), s -> {});

    assertThat(h.statuses(second.runId()))
        .containsEntry("items", StepStatus.CACHED)
        .containsEntry("sq[0]", StepStatus.CACHED)
        .containsEntry("sq[3]", StepStatus.CACHED)
        .containsEntry("collect", StepStatus.CACHED);
    assertThat(h.step(second.runId(), "sq[2]").cachedFrom()).isEqualTo(first.runId());
    assertThat(calls(ctl, "sq[2]")).isEqualTo(1);

    var changed =
        run(
            isolation,
            new FlowPipelines.Squares(ctl.toString(), List.of(0, 1, 7, 3), 0, 0),
            s -> {});
    assertThat(h.statuses(changed.runId()))
        .containsEntry("items", StepStatus.SUCCEEDED)
        .containsEntry("sq[0]", StepStatus.CACHED)
        .containsEntry("sq[2]", StepStatus.SUCCEEDED)
        .containsEntry("sq[3]", StepStatus.CACHED)
        .containsEntry("collect", StepStatus.SUCCEEDED);
    assertThat(read(changed.runId(), "collect", String.class)).isEqualTo("0,1,49,9");
  }

  @ParameterizedTest
  @EnumSource(Isolation.class)
  void aFalseConditionSkipsTheBranchAndTheRunSucceeds(Isolation isolation) {
    var result = run(isolation, new FlowPipelines.Release(ctl.toString(), 0.5), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(h.statuses(result.runId()))
        .containsEntry("good_enough", StepStatus.SUCCEEDED)
        .containsEntry("deploy", StepStatus.SKIPPED)
        .containsEntry("announce", StepStatus.SKIPPED)
        .containsEntry("archive", StepStatus.SKIPPED)
        .containsEntry("marker", StepStatus.SKIPPED)
        .containsEntry("cleanup", StepStatus.SUCCEEDED) // only after marker: goes on
        .containsEntry("celebrate", StepStatus.SUCCEEDED)
        .containsEntry("page", StepStatus.SKIPPED);
    assertThat(h.step(result.runId(), "deploy").error())
        .isEqualTo("condition false: 'good_enough' is false");
    assertThat(h.step(result.runId(), "announce").error())
        .isEqualTo("condition false: upstream step 'deploy' was skipped");
    assertThat(calls(ctl, "deploy")).isZero();

    var good = run(isolation, new FlowPipelines.Release(ctl.toString(), 0.95), s -> {});
    assertThat(good.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(read(good.runId(), "announce", String.class))
        .isEqualTo("deployed 0.95 and announced");
    assertThat(read(good.runId(), "celebrate", String.class)).isEqualTo("all 8 steps done");
  }

  @ParameterizedTest
  @EnumSource(Isolation.class)
  void anOnFailureHookReceivesTheFailedStepAndItsError(Isolation isolation) throws Exception {
    Files.createFile(ctl.resolve("diverge"));

    var result =
        run(isolation, new FlowPipelines.Release(ctl.toString(), 0.95), s -> s.failFast(false));

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.statuses(result.runId()))
        .containsEntry("train", StepStatus.FAILED)
        .containsEntry("page", StepStatus.SUCCEEDED)
        .containsEntry("celebrate", StepStatus.SKIPPED);
    assertThat(read(result.runId(), "page", String.class))
        .isEqualTo(
            "#ml-oncall: FAILED at train: step 'train' failed: IllegalStateException: loss diverged");
    assertThat(h.store.stepInputs(result.runId(), "page")).containsKey("summary");
    assertThat(h.store.findRun(result.runId()).orElseThrow().error())
        .isEqualTo("step 'train' failed: IllegalStateException: loss diverged");
  }

  private <T> T read(String runId, String step, Class<T> type) {
    ArtifactRecord a = h.store.stepOutputs(runId, step).get("output");
    assertThat(a).as("output of " + step).isNotNull();
    try (InputStream in = h.artifacts.open(a.path())) {
      return type.cast(h.materializers.byId(a.materializer()).read(type, in));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
