package dev.skiff.local;

import static dev.skiff.local.TestPipelines.calls;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every read checks an artifact's bytes against its content hash: damage fails the reader with one
 * line and sends the producer back to work on the next run; a cached or kept output that is gone is
 * re-made instead of failing its readers.
 */
@Timeout(120)
class ArtifactIntegrityTest {
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

  @ParameterizedTest
  @EnumSource(Isolation.class)
  void aFlippedByteFailsTheReaderWithOneLineAndItsProducerRunsAgainNextTime(Isolation isolation)
      throws IOException {
    LocalOrchestratorConfig config = LocalOrchestratorConfig.DEFAULTS.withIsolation(isolation);
    var first = h.run(h.compile(new TestPipelines.Cached(2), s -> {}), config);
    assertThat(first.status()).isEqualTo(RunStatus.SUCCEEDED);
    ArtifactRecord source = h.store.stepOutputs(first.runId(), "source").get("output");
    flipLastByte(h.artifacts.localFile(source.path()).orElseThrow());

    // source is a cache hit on the damaged artifact; parity (changed code) reads it
    var damaged = h.run(h.compile(new TestPipelines.CachedChangedCode(), s -> {}), config);

    assertThat(damaged.status()).isEqualTo(RunStatus.FAILED);
    assertThat(h.statuses(damaged.runId()))
        .containsEntry("source", StepStatus.CACHED)
        .containsEntry("parity", StepStatus.FAILED);
    String error = h.step(damaged.runId(), "parity").error();
    assertThat(error)
        .doesNotContain("\n")
        .contains(
            "artifact " + source.id(),
            "output 'output' of step 'source' in run " + first.runId(),
            "is corrupt")
        .contains("recorded sha256 is " + source.contentHash())
        .containsPattern("stored bytes hash to [0-9a-f]{64}");
    assertThat(h.store.isArtifactCorrupt(source.id())).isTrue();

    int sourceCalls = calls("source");
    var next = h.run(h.compile(new TestPipelines.Cached(2), s -> {}), config);

    assertThat(next.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(h.statuses(next.runId())).containsEntry("source", StepStatus.SUCCEEDED);
    if (isolation == Isolation.THREAD) {
      assertThat(calls("source")).isEqualTo(sourceCalls + 1);
    }
    assertThat(h.store.stepOutputs(next.runId(), "source").get("output").contentHash())
        .isEqualTo(source.contentHash());
  }

  @Test
  void aDeletedCachedArtifactMakesItsStepRunAgain() throws IOException {
    var first = h.run(new TestPipelines.Cached(2), s -> {});
    ArtifactRecord report = h.store.stepOutputs(first.runId(), "report").get("output");
    h.artifacts.delete(report.path());

    var second = h.run(new TestPipelines.Cached(2), s -> {});

    assertThat(second.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(h.statuses(second.runId()))
        .containsOnly(
            Map.entry("source", StepStatus.CACHED),
            Map.entry("parity", StepStatus.CACHED),
            Map.entry("report", StepStatus.SUCCEEDED));
    assertThat(calls("report")).isEqualTo(2);
    assertThat(h.store.isArtifactCorrupt(report.id())).isTrue();
    assertThat(
            h.artifacts.exists(h.store.stepOutputs(second.runId(), "report").get("output").path()))
        .isTrue();
    // the fresh execution is the cache hit from now on
    var third = h.run(new TestPipelines.Cached(2), s -> {});
    assertThat(h.statuses(third.runId())).containsEntry("report", StepStatus.CACHED);
    assertThat(h.step(third.runId(), "report").cachedFrom()).isEqualTo(second.runId());
  }

  @Test
  void aResumedStepWhoseKeptOutputIsGoneRunsAgain() throws IOException {
    TestPipelines.failB = true;
    RunPlan plan = h.compile(new TestPipelines.Chain(), s -> s.enableCache(false));
    var first = h.run(plan, LocalOrchestratorConfig.DEFAULTS);
    assertThat(h.statuses(first.runId()))
        .containsEntry("a", StepStatus.SUCCEEDED)
        .containsEntry("b", StepStatus.FAILED);
    h.artifacts.delete(h.store.stepOutputs(first.runId(), "a").get("output").path());

    TestPipelines.failB = false;
    var resumed = h.resume(first.runId());

    assertThat(resumed.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(calls("a")).isEqualTo(2);
    assertThat(h.statuses(first.runId()))
        .containsOnly(
            Map.entry("a", StepStatus.SUCCEEDED),
            Map.entry("b", StepStatus.SUCCEEDED),
            Map.entry("c", StepStatus.SUCCEEDED));
  }

  private static void flipLastByte(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 0x01;
    Files.write(file, bytes);
  }
}
