package dev.skiff.testing;

import static dev.skiff.testing.MetadataFixtures.T0;
import static dev.skiff.testing.MetadataFixtures.artifact;
import static dev.skiff.testing.MetadataFixtures.run;
import static dev.skiff.testing.MetadataFixtures.step;
import static dev.skiff.testing.MetadataFixtures.t;
import static dev.skiff.testing.MetadataFixtures.writeSteps;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.MetadataStore.CacheHit;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link MetadataStore} backend must have. A backend's test extends this class
 * and only says how to make an empty store. Test methods are public so that a backend which cannot
 * pass a case overrides it with {@code @Test @Disabled("why")}.
 */
public abstract class MetadataStoreContractTest {

  protected MetadataStore store;

  /** A new, empty store; called before each test and closed after it. */
  protected abstract MetadataStore newStore();

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  // ---- runs

  @Test
  public void createdRunIsFoundWithAllFields() {
    RunRecord run = run("r1", "digits", T0);

    store.createRun(run);

    assertThat(store.findRun("r1")).contains(run);
  }

  @Test
  public void unknownRunIsNotFound() {
    assertThat(store.findRun("nope")).isEmpty();
  }

  @Test
  public void creatingARunTwiceFailsAndKeepsTheFirst() {
    RunRecord first = run("r1", "digits", T0);
    store.createRun(first);

    assertThatThrownBy(() -> store.createRun(run("r1", "other", t(1))))
        .isInstanceOf(RuntimeException.class)
        .hasMessageContaining("r1");
    assertThat(store.findRun("r1")).contains(first);
  }

  @Test
  public void aRunsStatusIsReadAloneAndFollowsUpdates() {
    store.createRun(run("r1", "digits", T0));
    assertThat(store.runStatus("r1")).contains(run("r1", "digits", T0).status());

    store.updateRun("r1", RunStatus.STOPPING, null, null);

    assertThat(store.runStatus("r1")).contains(RunStatus.STOPPING);
    assertThat(store.runStatus("nope")).isEmpty();
  }

  @Test
  public void updateRunChangesStatusEndAndError() {
    RunRecord run = run("r1", "digits", T0);
    store.createRun(run);

    store.updateRun("r1", RunStatus.FAILED, t(60), "step trainer failed");

    assertThat(store.findRun("r1"))
        .contains(
            new RunRecord(
                "r1",
                "digits",
                RunStatus.FAILED,
                run.orchestrator(),
                run.planHash(),
                run.planJson(),
                T0,
                t(60),
                "step trainer failed"));
  }

  @Test
  public void updateRunAcceptsNullEndAndError() {
    store.createRun(run("r1", "digits", T0));
    store.updateRun("r1", RunStatus.FAILED, t(60), "boom");

    store.updateRun("r1", RunStatus.RUNNING, null, null);

    RunRecord found = store.findRun("r1").orElseThrow();
    assertThat(found.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(found.endedAt()).isNull();
    assertThat(found.error()).isNull();
  }

  @Test
  public void updatingAnUnknownRunFails() {
    assertThatThrownBy(() -> store.updateRun("nope", RunStatus.SUCCEEDED, T0, null))
        .isInstanceOf(RuntimeException.class)
        .hasMessageContaining("nope");
  }

  @Test
  public void instantsKeepAtLeastMillisecondPrecision() {
    Instant precise = T0.plusNanos(123_456_789);
    store.createRun(run("r1", "digits", precise));

    Instant stored = store.findRun("r1").orElseThrow().createdAt();

    assertThat(stored).isBetween(precise.truncatedTo(ChronoUnit.MILLIS), precise);
  }

  @Test
  public void listRunsIsNewestFirstAndLimited() {
    store.createRun(run("old", "digits", t(1)));
    store.createRun(run("new", "digits", t(3)));
    store.createRun(run("mid", "iris", t(2)));

    assertThat(ids(store.listRuns(null, 10))).containsExactly("new", "mid", "old");
    assertThat(ids(store.listRuns(null, 2))).containsExactly("new", "mid");
    assertThat(store.listRuns(null, 0)).isEmpty();
  }

  @Test
  public void listRunsFiltersByPipeline() {
    store.createRun(run("old", "digits", t(1)));
    store.createRun(run("new", "digits", t(3)));
    store.createRun(run("mid", "iris", t(2)));

    assertThat(ids(store.listRuns("digits", 10))).containsExactly("new", "old");
    assertThat(ids(store.listRuns("iris", 10))).containsExactly("mid");
    assertThat(store.listRuns("unknown", 10)).isEmpty();
  }

  @Test
  public void findRunsByPrefixIsNewestFirst() {
    store.createRun(run("abc-1", "digits", t(1)));
    store.createRun(run("abc-2", "digits", t(2)));
    store.createRun(run("abd-3", "digits", t(3)));

    assertThat(ids(store.findRunsByPrefix("abc"))).containsExactly("abc-2", "abc-1");
    assertThat(ids(store.findRunsByPrefix("ab"))).containsExactly("abd-3", "abc-2", "abc-1");
    assertThat(ids(store.findRunsByPrefix("abc-2"))).containsExactly("abc-2");
    assertThat(store.findRunsByPrefix("x")).isEmpty();
  }

  @Test
  public void findRunsByPrefixTreatsWildcardsLiterally() {
    store.createRun(run("a_1", "digits", t(1)));
    store.createRun(run("ab1", "digits", t(2)));
    store.createRun(run("a%2", "digits", t(3)));
    store.createRun(run("ax2", "digits", t(4)));
    store.createRun(run("a!3", "digits", t(5)));
    store.createRun(run("a\\4", "digits", t(6)));

    assertThat(ids(store.findRunsByPrefix("a_"))).containsExactly("a_1");
    assertThat(ids(store.findRunsByPrefix("a%"))).containsExactly("a%2");
    assertThat(ids(store.findRunsByPrefix("a!"))).containsExactly("a!3");
    assertThat(ids(store.findRunsByPrefix("a\\"))).containsExactly("a\\4");
  }

  // ---- steps

  @Test
  public void savedStepIsFound() {
    StepRecord step =
        new StepRecord("r1", "trainer", StepStatus.CACHED, 2, "key", "r0", t(1), t(2), null);

    store.saveStep(step);

    assertThat(store.findStep("r1", "trainer")).contains(step);
    assertThat(store.findStep("r1", "other")).isEmpty();
    assertThat(store.findStep("r2", "trainer")).isEmpty();
  }

  @Test
  public void savingAStepAgainReplacesIt() {
    StepRecord running = step("r1", "trainer", StepStatus.RUNNING, "key", null);
    store.saveStep(running);

    StepRecord failed = running.withStatus(StepStatus.FAILED, t(9), "out of memory");
    store.saveStep(failed);

    assertThat(store.findStep("r1", "trainer")).contains(failed);
    assertThat(store.listSteps("r1")).containsExactly(failed);
  }

  @Test
  public void listStepsKeepsFirstSavedOrder() {
    for (String name : List.of("importer", "trainer", "evaluator", "aaa")) {
      store.saveStep(step("r1", name, StepStatus.PENDING, null, null));
    }
    store.saveStep(step("r2", "other", StepStatus.PENDING, null, null));
    store.saveStep(step("r1", "importer", StepStatus.SUCCEEDED, "k", t(1)));
    store.saveStep(step("r1", "aaa", StepStatus.RUNNING, null, null));

    assertThat(store.listSteps("r1"))
        .extracting(StepRecord::name)
        .containsExactly("importer", "trainer", "evaluator", "aaa");
    assertThat(store.listSteps("r1").get(0).status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(store.listSteps("unknown")).isEmpty();
  }

  // ---- artifacts

  @Test
  public void savedArtifactIsFound() {
    ArtifactRecord data = artifact("a1", "r1", "trainer", "model", T0);
    ArtifactRecord report =
        new ArtifactRecord(
            "v1",
            "r1",
            "evaluator",
            "report",
            ArtifactRecord.Kind.VISUALIZATION,
            "text/html",
            null,
            "artifacts/v1",
            "sha-v1",
            7,
            null);

    store.saveArtifact(data);
    store.saveArtifact(report);

    assertThat(store.findArtifact("a1")).contains(data);
    assertThat(store.findArtifact("v1")).contains(report);
    assertThat(store.findArtifact("nope")).isEmpty();
  }

  @Test
  public void savingAnArtifactAgainKeepsOneRecord() {
    store.saveArtifact(artifact("a1", "r1", "trainer", "model", T0));
    ArtifactRecord again = artifact("a1", "r1", "trainer", "model", t(1));

    store.saveArtifact(again);

    assertThat(store.findArtifact("a1")).contains(again);
    assertThat(store.listArtifacts("r1", 10)).containsExactly(again);
  }

  @Test
  public void findArtifactsByPrefixTreatsWildcardsLiterally() {
    store.saveArtifact(artifact("sha_1", "r1", "s", "o", t(1)));
    store.saveArtifact(artifact("shax2", "r1", "s", "o", t(2)));
    store.saveArtifact(artifact("sh%3", "r1", "s", "o", t(3)));
    store.saveArtifact(artifact("other", "r1", "s", "o", t(4)));

    assertThat(artifactIds(store.findArtifactsByPrefix("sha_"))).containsExactly("sha_1");
    assertThat(artifactIds(store.findArtifactsByPrefix("sh%"))).containsExactly("sh%3");
    assertThat(artifactIds(store.findArtifactsByPrefix("sh")))
        .containsExactlyInAnyOrder("sha_1", "shax2", "sh%3");
    assertThat(store.findArtifactsByPrefix("zzz")).isEmpty();
  }

  @Test
  public void listArtifactsOfARunIncludesOutputsItsCachedStepsReused() {
    store.saveArtifact(artifact("old-model", "r1", "trainer", "model", t(1)));
    store.saveArtifact(artifact("old-data", "r1", "importer", "data", t(2)));
    store.linkArtifacts("r1", "trainer", Map.of("model", "old-model"), Map.of("x", "old-data"));
    store.saveArtifact(artifact("new-score", "r2", "evaluator", "score", t(3)));
    // r2's trainer was CACHED: it links r1's model as its output and r1's data as input.
    store.linkArtifacts("r2", "trainer", Map.of("model", "old-model"), Map.of("x", "old-data"));

    assertThat(artifactIds(store.listArtifacts("r2", 10)))
        .containsExactly("new-score", "old-model");
    assertThat(artifactIds(store.listArtifacts("r1", 10))).containsExactly("old-data", "old-model");
    assertThat(artifactIds(store.listArtifacts("r1", 1))).containsExactly("old-data");
    assertThat(store.listArtifacts("unknown", 10)).isEmpty();
  }

  @Test
  public void listArtifactsOfAllRunsIsNewestFirst() {
    store.saveArtifact(artifact("a1", "r1", "s", "o", t(1)));
    store.saveArtifact(artifact("a3", "r2", "s", "o", t(3)));
    store.saveArtifact(artifact("a2", "r1", "s", "p", t(2)));

    assertThat(artifactIds(store.listArtifacts(null, 10))).containsExactly("a3", "a2", "a1");
    assertThat(artifactIds(store.listArtifacts(null, 2))).containsExactly("a3", "a2");
  }

  // ---- links

  @Test
  public void linksGiveStepOutputsAndInputs() {
    ArtifactRecord model = artifact("m", "r1", "trainer", "model", t(1));
    ArtifactRecord plot =
        new ArtifactRecord(
            "v",
            "r1",
            "trainer",
            "loss",
            ArtifactRecord.Kind.VISUALIZATION,
            "image/png",
            null,
            "artifacts/v",
            "sha-v",
            3,
            t(1));
    store.saveArtifact(model);
    store.saveArtifact(plot);

    store.linkArtifacts("r1", "trainer", Map.of("model", "m", "loss", "v"), Map.of("x", "d"));

    assertThat(store.stepOutputs("r1", "trainer"))
        .containsOnly(Map.entry("model", model), Map.entry("loss", plot));
    assertThat(store.stepInputs("r1", "trainer")).containsOnly(Map.entry("x", "d"));
    assertThat(store.stepOutputs("r1", "other")).isEmpty();
    assertThat(store.stepInputs("r2", "trainer")).isEmpty();
  }

  @Test
  public void linkingAgainReplacesAllLinksOfTheStep() {
    store.saveArtifact(artifact("m1", "r1", "trainer", "model", t(1)));
    store.saveArtifact(artifact("m2", "r1", "trainer", "model", t(2)));
    store.linkArtifacts("r1", "trainer", Map.of("model", "m1", "extra", "m1"), Map.of("x", "d1"));
    store.linkArtifacts("r1", "other", Map.of("model", "m1"), Map.of("y", "d1"));

    store.linkArtifacts("r1", "trainer", Map.of("model", "m2"), Map.of());

    assertThat(store.stepOutputs("r1", "trainer")).containsOnlyKeys("model");
    assertThat(store.stepOutputs("r1", "trainer").get("model").id()).isEqualTo("m2");
    assertThat(store.stepInputs("r1", "trainer")).isEmpty();
    assertThat(store.stepInputs("r1", "other")).containsOnly(Map.entry("y", "d1"));
  }

  // ---- cache

  @Test
  public void noCacheHitForAnUnknownKey() {
    assertThat(store.findCacheHit("key")).isEmpty();
  }

  @Test
  public void succeededStepWithOutputsIsACacheHit() {
    ArtifactRecord model = saveExecution("r1", "trainer", StepStatus.SUCCEEDED, "key", t(10));

    assertThat(store.findCacheHit("key"))
        .contains(new CacheHit("r1", "trainer", Map.of("model", model)));
    assertThat(store.findCacheHit("other-key")).isEmpty();
  }

  @Test
  public void succeededStepWithoutOutputsIsACacheHit() {
    store.createRun(MetadataFixtures.run("r1", "p", t(1)));
    store.saveStep(
        new StepRecord("r1", "sink", StepStatus.SUCCEEDED, 1, "sink-key", null, t(2), t(3), null));

    assertThat(store.findCacheHit("sink-key")).contains(new CacheHit("r1", "sink", Map.of()));
  }

  @Test
  public void cachedFailedAndUnfinishedStepsAreNeverCacheHits() {
    saveExecution("cached", "trainer", StepStatus.CACHED, "key", t(10));
    saveExecution("failed", "trainer", StepStatus.FAILED, "key", t(11));
    saveExecution("running", "trainer", StepStatus.RUNNING, "key", null);
    saveExecution("skipped", "trainer", StepStatus.SKIPPED, "key", t(12));

    assertThat(store.findCacheHit("key")).isEmpty();
  }

  @Test
  public void newerCachedOrFailedStepsDoNotHideTheSucceededOne() {
    ArtifactRecord model = saveExecution("r1", "trainer", StepStatus.SUCCEEDED, "key", t(10));
    // r2 reused r1's model: a CACHED step links the artifacts of the run it reused.
    store.saveStep(
        new StepRecord("r2", "trainer", StepStatus.CACHED, 1, "key", "r1", t(20), t(20), null));
    store.linkArtifacts("r2", "trainer", Map.of("model", model.id()), Map.of());
    saveExecution("r3", "trainer", StepStatus.FAILED, "key", t(30));

    CacheHit hit = store.findCacheHit("key").orElseThrow();

    assertThat(hit.runId()).isEqualTo("r1");
    assertThat(hit.step()).isEqualTo("trainer");
    assertThat(hit.outputs()).containsOnly(Map.entry("model", model));
  }

  @Test
  public void newestSucceededStepWins() {
    saveExecution("r1", "trainer", StepStatus.SUCCEEDED, "key", t(10));
    ArtifactRecord newest = saveExecution("r3", "trainer", StepStatus.SUCCEEDED, "key", t(30));
    saveExecution("r2", "trainer", StepStatus.SUCCEEDED, "key", t(20));

    CacheHit hit = store.findCacheHit("key").orElseThrow();

    assertThat(hit.runId()).isEqualTo("r3");
    assertThat(hit.outputs()).containsOnly(Map.entry("model", newest));
  }

  @Test
  public void newestSucceededStepIsTheHitEvenWithoutOutputs() {
    saveExecution("r1", "trainer", StepStatus.SUCCEEDED, "key", t(10));
    // The newest execution has no linked outputs: the caller checks the outputs it needs.
    store.saveStep(step("r2", "trainer", StepStatus.SUCCEEDED, "key", t(20)));

    assertThat(store.findCacheHit("key")).contains(new CacheHit("r2", "trainer", Map.of()));
  }

  @Test
  public void cacheHitReturnsAllOutputsOfTheStep() {
    store.saveStep(step("r1", "split", StepStatus.SUCCEEDED, "key", t(10)));
    ArtifactRecord train = artifact("train", "r1", "split", "xTrain", t(10));
    ArtifactRecord test = artifact("test", "r1", "split", "xTest", t(10));
    store.saveArtifact(train);
    store.saveArtifact(test);
    store.linkArtifacts("r1", "split", Map.of("xTrain", "train", "xTest", "test"), Map.of());

    assertThat(store.findCacheHit("key").orElseThrow().outputs())
        .containsOnly(Map.entry("xTrain", train), Map.entry("xTest", test));
  }

  @Test
  public void executionsWithoutAnEndTimeComeAfterEndedOnes() {
    store.saveStep(
        new StepRecord("r2", "trainer", StepStatus.SUCCEEDED, 1, "key", null, t(20), null, null));
    assertThat(store.findCacheHit("key")).contains(new CacheHit("r2", "trainer", Map.of()));

    saveExecution("r1", "trainer", StepStatus.SUCCEEDED, "key", t(10));

    assertThat(store.findCacheHit("key").orElseThrow().runId()).isEqualTo("r1");
  }

  @Test
  public void anExecutionWithACorruptOutputIsNoLongerACacheHit() {
    ArtifactRecord older = saveExecution("r1", "trainer", StepStatus.SUCCEEDED, "key", t(10));
    ArtifactRecord newer = saveExecution("r2", "trainer", StepStatus.SUCCEEDED, "key", t(20));
    assertThat(store.findCacheHit("key").orElseThrow().runId()).isEqualTo("r2");
    assertThat(store.isArtifactCorrupt(newer.id())).isFalse();

    store.markArtifactCorrupt(newer.id());
    store.markArtifactCorrupt(newer.id()); // idempotent

    assertThat(store.isArtifactCorrupt(newer.id())).isTrue();
    assertThat(store.isArtifactCorrupt(older.id())).isFalse();
    assertThat(store.findCacheHit("key"))
        .contains(new CacheHit("r1", "trainer", Map.of("model", older)));
    // The record stays: lineage and listings still show what the run produced.
    assertThat(store.findArtifact(newer.id())).contains(newer);

    store.markArtifactCorrupt(older.id());

    assertThat(store.findCacheHit("key")).isEmpty();
  }

  @Test
  public void markingAnUnknownArtifactCorruptIsHarmless() {
    store.markArtifactCorrupt("no-such-artifact");

    assertThat(store.isArtifactCorrupt("no-such-artifact")).isTrue();
    assertThat(store.isArtifactCorrupt("other")).isFalse();
  }

  // ---- concurrency and lifecycle

  @Test
  public void concurrentWritesFromSeveralThreadsAreAllKept() throws Exception {
    int threads = 8;
    int stepsPerThread = 25;
    store.createRun(run("shared", "digits", T0));
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  writeSteps(store, "shared", "t" + thread, stepsPerThread);
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : done) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(store.listSteps("shared"))
        .hasSize(threads * stepsPerThread)
        .allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.SUCCEEDED));
    assertThat(store.listArtifacts("shared", 10_000)).hasSize(threads * stepsPerThread);
    assertThat(store.stepOutputs("shared", "t3-s7")).containsOnlyKeys("out");
    // Each thread saved its steps in order, so the store keeps that order per thread.
    List<String> thread5 =
        store.listSteps("shared").stream()
            .map(StepRecord::name)
            .filter(n -> n.startsWith("t5-"))
            .toList();
    assertThat(thread5)
        .containsExactlyElementsOf(
            IntStream.range(0, stepsPerThread).mapToObj(i -> "t5-s" + i).toList());
  }

  @Test
  public void closingTwiceIsHarmless() {
    store.close();
    store.close();
  }

  // ---- helpers

  /** Records one execution of a step with one output "model"; returns that artifact. */
  private ArtifactRecord saveExecution(
      String runId, String stepName, StepStatus status, String cacheKey, Instant endedAt) {
    store.saveStep(step(runId, stepName, status, cacheKey, endedAt));
    ArtifactRecord model =
        artifact(runId + "-model", runId, stepName, "model", endedAt == null ? T0 : endedAt);
    store.saveArtifact(model);
    store.linkArtifacts(runId, stepName, Map.of("model", model.id()), Map.of());
    return model;
  }

  private static List<String> ids(List<RunRecord> runs) {
    return runs.stream().map(RunRecord::id).toList();
  }

  private static List<String> artifactIds(List<ArtifactRecord> artifacts) {
    return artifacts.stream().map(ArtifactRecord::id).toList();
  }

  /** Every backend: one line, no half-written links, and the store goes on working. */
  @Test
  void operationsAfterCloseFailWithAOneLineError() {
    store.close();

    assertThatThrownBy(() -> store.findRun("r1"))
        .isInstanceOf(RuntimeException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void failedLinkIsRolledBackAndTheStoreStaysUsable() {
    store.linkArtifacts("r1", "trainer", Map.of("model", "m1"), Map.of());
    Map<String, String> broken = new HashMap<>();
    broken.put("model", "m2");
    broken.put("plot", null); // violates NOT NULL after the first link was inserted

    assertThatThrownBy(() -> store.linkArtifacts("r1", "trainer", broken, Map.of()))
        .isInstanceOf(RuntimeException.class)
        .hasMessageStartingWith("cannot link artifacts of step r1/trainer in ")
        .message()
        .doesNotContain("\n");

    assertThat(store.stepInputs("r1", "trainer")).isEmpty();
    store.saveArtifact(artifact("m1", "r1", "trainer", "model", T0));
    assertThat(store.stepOutputs("r1", "trainer")).containsOnlyKeys("model");
    assertThat(store.stepOutputs("r1", "trainer").get("model").id()).isEqualTo("m1");
    store.linkArtifacts("r1", "trainer", Map.of(), Map.of("x", "m1"));
    assertThat(store.stepOutputs("r1", "trainer")).isEmpty();
    assertThat(store.stepInputs("r1", "trainer")).containsOnly(Map.entry("x", "m1"));
  }

  // ---- leases and attempt tokens

  @Test
  public void aLiveLeaseKeepsOtherOwnersOutUntilItExpires() {
    java.time.Duration ttl = java.time.Duration.ofSeconds(60);
    assertThat(store.acquireLease("r1", "client-a", T0, ttl)).isTrue();
    assertThat(store.acquireLease("r1", "client-a", T0.plusSeconds(20), ttl))
        .as("renewed by its owner")
        .isTrue();
    assertThat(store.acquireLease("r1", "client-b", T0.plusSeconds(70), ttl))
        .as("renewed at 20 s, lives to 80 s")
        .isFalse();
    assertThat(store.findLease("r1"))
        .get()
        .satisfies(
            l -> {
              assertThat(l.owner()).isEqualTo("client-a");
              assertThat(l.expiresAt()).isEqualTo(T0.plusSeconds(80));
              assertThat(l.liveAt(T0.plusSeconds(79))).isTrue();
            });

    assertThat(store.acquireLease("r1", "client-b", T0.plusSeconds(81), ttl))
        .as("expired: taken over")
        .isTrue();
    assertThat(store.acquireLease("r1", "client-a", T0.plusSeconds(82), ttl))
        .as("the old owner is fenced out")
        .isFalse();
    store.releaseLease("r1", "client-a"); // not its lease: nothing happens
    assertThat(store.findLease("r1")).get().extracting(l -> l.owner()).isEqualTo("client-b");
    store.releaseLease("r1", "client-b");
    assertThat(store.findLease("r1")).isEmpty();
  }

  @Test
  public void onlyTheCurrentAttemptPublishesOutputs() {
    store.createRun(run("r1", "digits", T0));
    store.saveStep(step("r1", "trainer", StepStatus.RUNNING, null, null));
    store.saveArtifact(artifact("m1", "r1", "trainer", "model", T0));
    store.saveArtifact(artifact("m2", "r1", "trainer", "model", T0));
    store.setAttemptToken("r1", "trainer", "token-1");
    store.setAttemptToken("r1", "trainer", "token-2"); // a resume took the step over

    assertThatThrownBy(
            () -> store.publishOutputs("r1", "trainer", "token-1", Map.of("model", "m1"), Map.of()))
        .isInstanceOf(dev.skiff.core.spi.StaleAttemptException.class)
        .hasMessageContaining("no longer the current one");
    assertThat(store.stepOutputs("r1", "trainer")).isEmpty();

    store.publishOutputs("r1", "trainer", "token-2", Map.of("model", "m2"), Map.of());
    assertThat(store.stepOutputs("r1", "trainer").get("model").id()).isEqualTo("m2");
    assertThat(store.attemptToken("r1", "trainer")).contains("token-2");
  }

  @Test
  public void startingAnAttemptSavesTheStepAndShutsOutEarlierAttempts() {
    store.createRun(run("r1", "digits", T0));
    store.saveArtifact(artifact("m1", "r1", "trainer", "model", T0));
    store.saveArtifact(artifact("m2", "r1", "trainer", "model", T0));
    store.startAttempt(
        new StepRecord("r1", "trainer", StepStatus.RUNNING, 1, null, null, T0, null, null, 0, 0),
        "token-1");
    store.startAttempt(
        new StepRecord(
            "r1", "trainer", StepStatus.RUNNING, 2, null, null, T0, null, "evicted", 0, 1),
        "token-2");

    assertThat(store.findStep("r1", "trainer"))
        .get()
        .satisfies(
            s -> {
              assertThat(s.status()).isEqualTo(StepStatus.RUNNING);
              assertThat(s.attempt()).isEqualTo(2);
              assertThat(s.infraFailures()).isEqualTo(1);
            });
    assertThat(store.attemptToken("r1", "trainer")).contains("token-2");
    assertThatThrownBy(
            () -> store.publishOutputs("r1", "trainer", "token-1", Map.of("model", "m1"), Map.of()))
        .isInstanceOf(dev.skiff.core.spi.StaleAttemptException.class);
    assertThatThrownBy(() -> store.publishOutputs("r1", "trainer", "token-1", Map.of(), Map.of()))
        .as("a stale attempt with nothing to link is refused too")
        .isInstanceOf(dev.skiff.core.spi.StaleAttemptException.class);
    store.saveStep(
        new StepRecord("r1", "trainer", StepStatus.SUCCEEDED, 2, null, null, T0, T0, null, 0, 1));
    assertThat(store.attemptToken("r1", "trainer"))
        .as("saving the step's end keeps its attempt's token")
        .contains("token-2");
    store.publishOutputs("r1", "trainer", "token-2", Map.of("model", "m2"), Map.of());
    assertThat(store.stepOutputs("r1", "trainer").get("model").id()).isEqualTo("m2");
  }

  @Test
  public void retryBudgetsAreStoredWithTheStep() {
    store.createRun(run("r1", "digits", T0));
    store.saveStep(
        new StepRecord(
            "r1", "trainer", StepStatus.RUNNING, 3, null, null, T0, T0, "evicted", 1, 2));

    assertThat(store.findStep("r1", "trainer"))
        .get()
        .satisfies(
            s -> {
              assertThat(s.userFailures()).isEqualTo(1);
              assertThat(s.infraFailures()).isEqualTo(2);
            });
  }
}
