package dev.skiff.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.engine.RunIds;
import dev.skiff.core.internal.Hashing;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.LaunchedStep;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepFailedException;
import dev.skiff.core.spi.StepLaunch;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.core.spi.StepLogSink;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.FailureKind;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepContext;
import dev.skiff.sdk.StepStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour the run state machine relies on from every {@link StepLauncher} — threads, step
 * processes, pods: what a succeeding, a throwing, a cancelled, a stale and a lost attempt end with,
 * and that a relaunched attempt is adopted where the launcher claims it. A launcher's test extends
 * this class and says how to make a launcher for a run and how its infrastructure is lost; the
 * store and whatever the launcher needs (a cluster) are made once per class.
 *
 * <p>The steps ({@link Steps}) meet the test through files in a folder of this machine, so the
 * launchers under test must run them where that folder is visible (threads, processes, pods whose
 * containers are host processes). The tests launch single steps of one plan directly, as the
 * scheduler does: each attempt first gets its RUNNING row and token ({@link
 * MetadataStore#startAttempt}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
public abstract class StepLauncherContractTest {
  /** How long an attempt told to end (cancel, lost infrastructure) may take to complete. */
  protected static final Duration PROMPTLY = Duration.ofSeconds(10);

  /** How long a step may take to start or to end by itself: a JVM or a pod starts first. */
  protected static final Duration STEP_TIME = Duration.ofSeconds(90);

  /** How long {@code sleeper} sleeps once started. */
  static final Duration SLEEP = Duration.ofSeconds(3);

  private static final Pattern PID = Pattern.compile("started pid=(\\d+)");

  private Path meeting;
  private RunPlan plan;
  private final List<StepLauncher> launchers = new ArrayList<>();
  private final List<String> runs = new ArrayList<>();

  /** The metadata store the launchers' steps record to (one per class). */
  protected abstract MetadataStore store();

  /**
   * A new launcher that can run attempts of run {@code runId} of {@code plan}; closed after the
   * test.
   */
  protected abstract StepLauncher newLauncher(RunPlan plan, String runId);

  /**
   * Takes away what {@code attempt} runs on, as the platform would: kill -9 of its process, the
   * deletion or eviction of its pod. A launcher with nothing of its own to lose skips the test with
   * an {@link org.junit.jupiter.api.Assumptions assumption}.
   */
  protected abstract void loseInfrastructure(RunningAttempt attempt);

  /**
   * Whether launching an attempt that is already running (e.g. from a restarted orchestrator)
   * adopts it instead of running the step a second time. False: the test of adoption is skipped.
   */
  protected boolean adoptsRelaunchedAttempts() {
    return false;
  }

  /** An attempt whose step reported that it started, from the process {@code pid}. */
  protected record RunningAttempt(String runId, String step, int attempt, long pid) {}

  @BeforeAll
  void compileContractPlan() throws IOException {
    meeting = Files.createTempDirectory("skiff-launcher-contract");
    plan =
        new PlanCompiler(Materializers.load(getClass().getClassLoader()))
            .compile(new Steps(meeting.toString()), PipelineSettings.DEFAULTS);
  }

  @AfterEach
  void closeLaunchers() {
    runs.forEach(this::release); // a step still waiting ends
    for (int i = launchers.size() - 1; i >= 0; i--) {
      launchers.get(i).close();
    }
    launchers.clear();
    runs.clear();
  }

  @AfterAll
  void deleteMeetingFolder() throws IOException {
    if (meeting != null) {
      try (Stream<Path> files = Files.walk(meeting)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  // ---- 1. success

  @Test
  public void aSucceedingStepCompletesWithItsRecordedOutputsAndItsLinesReachTheLog()
      throws Exception {
    String runId = newRun();
    Attempt produce = launch(launcher(runId), runId, "produce", 1, "token-1");

    Map<String, ArtifactRecord> outputs =
        produce.step.result().get(STEP_TIME.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(outputs).containsOnlyKeys("output");
    ArtifactRecord out = outputs.get("output");
    assertThat(out.runId()).isEqualTo(runId);
    assertThat(out.step()).isEqualTo("produce");
    assertThat(out.kind()).isEqualTo(ArtifactRecord.Kind.DATA);
    assertThat(out.contentHash())
        .isEqualTo(Hashing.sha256(Steps.payload(runId).getBytes(StandardCharsets.UTF_8)));
    assertThat(store().stepOutputs(runId, "produce")).containsOnlyKeys("output");
    assertThat(store().stepOutputs(runId, "produce").get("output").id()).isEqualTo(out.id());
    // lines may reach the log after the result (a pod's log drains after its end)
    produce.log.await("printed by produce"::equals, PROMPTLY);
    produce.log.await(l -> l.contains("logged by produce"), PROMPTLY);
  }

  @Test
  public void aStepReadsItsInputFromTheRecordedOutputAndRecordsItsLineage() throws Exception {
    String runId = newRun();
    StepLauncher launcher = launcher(runId);
    String produced =
        launch(launcher, runId, "produce", 1, "token-p")
            .step
            .result()
            .get(STEP_TIME.toMillis(), TimeUnit.MILLISECONDS)
            .get("output")
            .id();

    Attempt consume = launch(launcher, runId, "consume", 1, "token-c");
    Map<String, ArtifactRecord> outputs =
        consume.step.result().get(STEP_TIME.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(outputs).containsOnlyKeys("output");
    assertThat(store().stepInputs(runId, "consume"))
        .as("lineage")
        .hasSize(1)
        .containsValue(produced);
    consume.log.await(("read: " + Steps.payload(runId))::equals, PROMPTLY);
  }

  // ---- 2. the step's own failure

  @Test
  public void aThrowingStepFailsAsUserCodeWithTheSameMessageEverywhereAndItsTraceInItsLog() {
    String runId = newRun();
    Attempt fails = launch(launcher(runId), runId, "fails", 1, "token-1");

    StepFailedException failure = failureOf(fails, STEP_TIME);

    assertThat(failure.kind()).isEqualTo(FailureKind.USER_CODE);
    assertThat(failure.getMessage()).isEqualTo("IllegalArgumentException: bad value");
    fails.log.await("java.lang.IllegalArgumentException: bad value"::equals, PROMPTLY);
    fails.log.await(
        l ->
            l.matches(
                "\\s+at dev\\.skiff\\.testing\\.StepLauncherContractTest\\$Steps\\.fails\\(StepLauncherContractTest\\.java:\\d+\\)"),
        PROMPTLY);
    assertThat(store().stepOutputs(runId, "fails")).isEmpty();
  }

  // ---- 3. cancel

  @Test
  public void cancelEndsARunningAttemptAsCancelledPromptlyAndItsCodeStops() throws Exception {
    String runId = newRun();
    Attempt sleeper = launch(launcher(runId), runId, "sleeper", 1, "token-1");
    sleeper.log.await(l -> l.startsWith("started pid="), STEP_TIME);
    long sawStart = System.nanoTime();

    sleeper.step.cancel();

    StepFailedException failure = failureOf(sleeper, PROMPTLY);
    assertThat(failure.kind()).isEqualTo(FailureKind.CANCELLED);
    // by now a step that kept running would have woken up and published its output
    long wouldHaveEnded = sawStart + SLEEP.plusSeconds(3).toNanos();
    Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(wouldHaveEnded - System.nanoTime())));
    assertThat(sleeper.log.lines()).doesNotContain("woke up");
    assertThat(store().stepOutputs(runId, "sleeper"))
        .as("outputs published after cancel")
        .isEmpty();
    assertThat(store().listArtifacts(runId, 100))
        .as("artifacts written after cancel")
        .noneMatch(a -> a.step().equals("sleeper"));
  }

  // ---- 4. fencing

  @Test
  public void aStaleAttemptCannotPublishItsOutputs() {
    String runId = newRun();
    Attempt stale = launch(launcher(runId), runId, "gated", 1, "token-of-attempt-1");
    stale.log.await(l -> l.startsWith("started pid="), STEP_TIME);

    store()
        .setAttemptToken(
            runId, "gated", "token-of-attempt-2"); // another attempt took the step over
    release(runId);

    StepFailedException failure = failureOf(stale, STEP_TIME);
    assertThat(failure.kind()).isEqualTo(FailureKind.CANCELLED);
    assertThat(failure.getMessage()).contains("is no longer the current one");
    assertThat(stale.log.lines()).contains("released"); // it did get as far as publishing
    assertThat(store().stepOutputs(runId, "gated")).as("links of the stale attempt").isEmpty();
    assertThat(store().attemptToken(runId, "gated")).contains("token-of-attempt-2");
  }

  // ---- 5. lost infrastructure

  @Test
  public void lostInfrastructureEndsTheAttemptAsAnInfrastructureFailure() {
    String runId = newRun();
    Attempt gated = launch(launcher(runId), runId, "gated", 1, "token-1");
    long pid = pid(gated.log.await(l -> l.startsWith("started pid="), STEP_TIME));

    loseInfrastructure(new RunningAttempt(runId, "gated", 1, pid));

    StepFailedException failure = failureOf(gated, PROMPTLY);
    assertThat(failure.kind()).as("%s", failure.getMessage()).isEqualTo(FailureKind.INFRASTRUCTURE);
    assertThat(store().stepOutputs(runId, "gated")).isEmpty();
  }

  // ---- 6. adoption

  @Test
  public void launchingARunningAttemptAgainAdoptsItAndTheStepRunsOnce() throws Exception {
    assumeTrue(
        adoptsRelaunchedAttempts(),
        "this launcher does not claim to adopt a running attempt: a second launch would run the step again");
    String runId = newRun();
    StepLauncher first = launcher(runId);
    Attempt original = launch(first, runId, "gated", 1, "token-1");
    original.log.await(l -> l.startsWith("started pid="), STEP_TIME);
    first.close(); // its orchestrator is gone; a new one launches the same attempt

    Lines log = new Lines();
    LaunchedStep adopted =
        launcher(runId).launch(new StepLaunch(plan, runId, plan.step("gated"), 1, log, "token-1"));
    log.await(l -> l.startsWith("started pid="), STEP_TIME); // the log of the running attempt
    release(runId);
    Map<String, ArtifactRecord> outputs =
        adopted.result().get(STEP_TIME.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(outputs).containsOnlyKeys("output");
    assertThat(store().stepOutputs(runId, "gated").get("output").id())
        .isEqualTo(outputs.get("output").id());
    assertThat(Files.readAllLines(meeting.resolve(runId + ".gated.starts")))
        .as("starts of the step")
        .hasSize(1);
    log.await("released"::equals, PROMPTLY);
  }

  // ---- helpers

  /** A new RUNNING run of the contract plan. */
  protected final String newRun() {
    String runId = RunIds.newId(plan.pipeline());
    store()
        .createRun(
            new RunRecord(
                runId,
                plan.pipeline(),
                RunStatus.RUNNING,
                "contract",
                plan.hash(),
                plan.toJson(),
                Instant.now(),
                null,
                null));
    runs.add(runId);
    return runId;
  }

  private StepLauncher launcher(String runId) {
    StepLauncher launcher = newLauncher(plan, runId);
    launchers.add(launcher);
    return launcher;
  }

  /** Starts an attempt as the scheduler does: its RUNNING row and token first. */
  private Attempt launch(
      StepLauncher launcher, String runId, String step, int attempt, String token) {
    store()
        .startAttempt(
            new StepRecord(
                runId, step, StepStatus.RUNNING, attempt, null, null, Instant.now(), null, null),
            token);
    Lines log = new Lines();
    return new Attempt(
        launcher.launch(new StepLaunch(plan, runId, plan.step(step), attempt, log, token)), log);
  }

  /** Lets every {@code gated} step of the run go on. */
  private void release(String runId) {
    try {
      Files.writeString(meeting.resolve(runId + ".release"), "go");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long pid(String startedLine) {
    Matcher m = PID.matcher(startedLine);
    assertThat(m.find()).as(startedLine).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** The failure the attempt ends with within {@code within}: a {@link StepFailedException}. */
  private static StepFailedException failureOf(Attempt attempt, Duration within) {
    try {
      Map<String, ArtifactRecord> outputs =
          attempt.step.result().get(within.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError(
          "the attempt succeeded with " + outputs + "; log: " + attempt.log.lines());
    } catch (ExecutionException e) {
      assertThat(e.getCause()).as("the attempt's failure").isInstanceOf(StepFailedException.class);
      return (StepFailedException) e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError(
          "the attempt did not end within "
              + within.toSeconds()
              + " s; log: "
              + attempt.log.lines());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private record Attempt(LaunchedStep step, Lines log) {}

  /** A step log that keeps its lines. */
  protected static final class Lines implements StepLogSink {
    private final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void line(String line) {
      lines.add(line);
    }

    public List<String> lines() {
      return List.copyOf(lines);
    }

    /** The first line that matches, waiting up to {@code timeout} for it. */
    public String await(java.util.function.Predicate<String> line, Duration timeout) {
      long end = System.nanoTime() + timeout.toNanos();
      while (true) {
        for (String l : lines) {
          if (line.test(l)) {
            return l;
          }
        }
        if (System.nanoTime() > end) {
          throw new AssertionError("no such line within " + timeout.toSeconds() + " s in " + lines);
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  /**
   * The steps of the contract. {@code meeting} is a folder where they meet the test: {@code gated}
   * records each start in {@code RUN.gated.starts} and waits for {@code RUN.release}.
   */
  public static final class Steps implements PipelineDefinition {
    private final String meeting;

    public Steps() {
      this("unused: the plan holds the folder");
    }

    public Steps(String meeting) {
      this.meeting = meeting;
    }

    static String payload(String runId) {
      return "payload of " + runId;
    }

    static String produce() {
      System.out.println("printed by produce");
      StepContext.current().log().info("logged by {}", "produce");
      return payload(StepContext.current().runId());
    }

    static String consume(String in) {
      System.out.println("read: " + in);
      return in + "!";
    }

    static String fails() {
      throw new IllegalArgumentException("bad value");
    }

    static String sleeper(String meeting) throws InterruptedException {
      System.out.println("started pid=" + ProcessHandle.current().pid());
      Thread.sleep(SLEEP.toMillis());
      System.out.println("woke up");
      return "late";
    }

    static String gated(String meeting) throws IOException, InterruptedException {
      String runId = StepContext.current().runId();
      Path dir = Path.of(meeting);
      long pid = ProcessHandle.current().pid();
      Files.writeString(
          dir.resolve(runId + ".gated.starts"),
          "attempt " + StepContext.current().attempt() + " in " + pid + "\n",
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      System.out.println("started pid=" + pid);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(dir.resolve(runId + ".release"))) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("not released within 120 s");
        }
        Thread.sleep(20);
      }
      System.out.println("released");
      return "gated " + runId;
    }

    @Override
    public String name() {
      return "contract";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<String> payload = p.step("produce", Steps::produce);
      p.step("consume", Steps::consume, payload);
      p.step("fails", Steps::fails);
      p.step("sleeper", Steps::sleeper, Param.of(meeting));
      p.step("gated", Steps::gated, Param.of(meeting));
    }
  }
}
