package dev.skiff.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.engine.RunLifecycle;
import dev.skiff.core.spi.RunOwnedException;
import dev.skiff.core.spi.StaleAttemptException;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Stop, ownership and resume of local runs, with the real SQLite store. */
@Timeout(60)
class RunLifecycleTest {
  @TempDir Path dir;
  LocalHarness h;

  static volatile CountDownLatch stubbornStarted;
  static volatile CountDownLatch held;

  @BeforeEach
  void setUp() {
    stubbornStarted = new CountDownLatch(1);
    held = new CountDownLatch(1);
    h = new LocalHarness(dir);
  }

  @AfterEach
  void tearDown() {
    held.countDown();
    h.close();
  }

  static String fails() {
    throw new IllegalArgumentException("bad input");
  }

  /** Ignores interrupts: only the stop's grace ends its attempt. */
  static String stubborn() {
    stubbornStarted.countDown();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < end) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException ignored) {
        // keeps going, as careless step code does
      }
    }
    return "late";
  }

  static String gate() throws InterruptedException {
    stubbornStarted.await(30, TimeUnit.SECONDS);
    return "go";
  }

  static String hold() throws InterruptedException {
    held.await(30, TimeUnit.SECONDS);
    return "held";
  }

  static String after(String in) {
    return in + "!";
  }

  /**
   * {@code stubborn} and {@code fails} in parallel, fail fast: the run winds down while stubborn
   * runs.
   */
  public static final class WindDown implements PipelineDefinition {
    @Override
    public String name() {
      return "wind_down";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("stubborn", RunLifecycleTest::stubborn);
      p.after(p.step("fails", RunLifecycleTest::fails), p.step("gate", RunLifecycleTest::gate));
    }
  }

  /** hold → after: a run that stays running until the test lets it go. */
  public static final class Held implements PipelineDefinition {
    @Override
    public String name() {
      return "held";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<String> held = p.step("hold", RunLifecycleTest::hold);
      p.step("after", RunLifecycleTest::after, held);
    }
  }

  @Test
  void aStopDuringFailFastWindDownEndsStoppedWithinTwoSecondsAndLeavesNoStepRunning()
      throws Exception {
    var orchestrator = h.orchestrator(LocalOrchestratorConfig.DEFAULTS);
    var plan = h.compile(new WindDown(), s -> s.failFast(true));
    CompletableFuture<LocalOrchestrator.Result> run =
        CompletableFuture.supplyAsync(() -> orchestrator.run(plan, h.listener()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (h.events.stream()
            .noneMatch(
                e ->
                    e instanceof dev.skiff.core.spi.RunEvent.StepFailed f
                        && f.step().equals("fails"))
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }

    long stopAt = System.nanoTime();
    orchestrator.stop(); // what Ctrl-C does
    var result = run.get(10, TimeUnit.SECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - stopAt);

    assertThat(result.status()).isEqualTo(RunStatus.STOPPED);
    assertThat(took).isLessThan(Duration.ofSeconds(2));
    assertThat(h.statuses(result.runId()))
        .containsEntry("stubborn", StepStatus.STOPPED)
        .containsEntry("fails", StepStatus.FAILED)
        .doesNotContainValue(StepStatus.RUNNING);
    assertThat(h.store.findRun(result.runId()).orElseThrow().error())
        .isEqualTo("stopped by the user");
    assertThat(h.events(dev.skiff.core.spi.RunEvent.RunFinished.class))
        .singleElement()
        .satisfies(f -> assertThat(f.status()).isEqualTo(RunStatus.STOPPED));
  }

  @Test
  void aLiveRunCannotBeResumedAndRunsStopFromAnotherProcessStopsIt() throws Exception {
    var plan = h.compile(new Held(), s -> {});
    CompletableFuture<LocalOrchestrator.Result> run =
        CompletableFuture.supplyAsync(
            () -> h.orchestrator(LocalOrchestratorConfig.DEFAULTS).run(plan, h.listener()));
    String runId = awaitRunning("held");

    assertThatThrownBy(
            () -> h.orchestrator(LocalOrchestratorConfig.DEFAULTS).resume(runId, e -> {}))
        .isInstanceOf(RunOwnedException.class)
        .hasMessageStartingWith("run " + runId + " is still running (driven by ")
        .hasMessageEndingWith(
            "stop it first with 'skiff runs stop " + runId + "', or wait for it to end");

    h.orchestrator(LocalOrchestratorConfig.DEFAULTS)
        .stop(runId); // `skiff runs stop`, another orchestrator object

    assertThat(run.get(10, TimeUnit.SECONDS).status()).isEqualTo(RunStatus.STOPPED);
    assertThat(h.statuses(runId))
        .containsEntry("hold", StepStatus.STOPPED)
        .containsEntry("after", StepStatus.SKIPPED);
    assertThat(h.store.findLease(runId)).as("released at the end").isEmpty();
  }

  @Test
  void aRunWhoseOrchestratorDiedIsLostThenResumesAndAStaleAttemptCannotPublish() throws Exception {
    held.countDown(); // the resumed attempt goes straight through
    var plan = h.compile(new Held(), s -> {});
    String runId = "held-lost";
    Instant died = Instant.now().minusSeconds(300);
    h.store.createRun(
        new dev.skiff.core.spi.RunRecord(
            runId,
            "held",
            RunStatus.RUNNING,
            "local",
            plan.hash(),
            plan.toJson(),
            died,
            null,
            null));
    h.store.acquireLease(
        runId, "gone-host:4242", died, Duration.ofSeconds(60)); // then it was killed
    h.store.saveStep(
        new StepRecord(runId, "hold", StepStatus.RUNNING, 1, null, null, died, null, null));
    h.store.setAttemptToken(runId, "hold", "token-of-the-dead-attempt");

    var settled = RunLifecycle.settle(h.store, h.store.findRun(runId).orElseThrow(), Instant.now());
    assertThat(settled.status()).isEqualTo(RunStatus.FAILED);
    assertThat(settled.error())
        .startsWith(
            "lost: its orchestrator (gone-host:4242) stopped heart-beating; last heartbeat ");
    assertThat(h.step(runId, "hold").status()).isEqualTo(StepStatus.FAILED);

    var resumed = h.resume(runId);

    assertThat(resumed.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(h.step(runId, "hold").attempt()).isEqualTo(2); // the lost attempt counted
    String linked = h.store.stepOutputs(runId, "hold").get("output").id();
    // the old attempt's process wakes up and tries to record what it computed: refused
    assertThatThrownBy(
            () ->
                h.store.publishOutputs(
                    runId,
                    "hold",
                    "token-of-the-dead-attempt",
                    Map.of("output", "stale"),
                    Map.of()))
        .isInstanceOf(StaleAttemptException.class);
    assertThat(h.store.stepOutputs(runId, "hold").get("output").id()).isEqualTo(linked);
    assertThat(h.store.stepInputs(runId, "after"))
        .containsValue(linked); // lineage names what was read
  }

  private String awaitRunning(String pipeline) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      var runs = h.store.listRuns(pipeline, 1);
      if (!runs.isEmpty()
          && h.store
              .findStep(runs.get(0).id(), "hold")
              .map(s -> s.status() == StepStatus.RUNNING)
              .orElse(false)) {
        return runs.get(0).id();
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no running run of " + pipeline);
  }
}
