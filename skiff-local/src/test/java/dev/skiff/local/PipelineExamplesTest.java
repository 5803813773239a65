package dev.skiff.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.local.docs.PipelineExamples;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.io.InputStream;
import java.lang.reflect.Type;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The worked examples of docs/pipelines.md run as the page says they do. */
@Timeout(60)
class PipelineExamplesTest {
  @TempDir Path dir;
  LocalHarness h;

  @BeforeEach
  void setUp() {
    h = new LocalHarness(dir);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void fanIn() {
    var result = h.run(new PipelineExamples.Ensemble(), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(read(result.runId(), "best", Double.class)).isEqualTo(0.84);
    assertThat(h.store.stepInputs(result.runId(), "best"))
        .containsOnlyKeys("scores[0]", "scores[1]", "scores[2]", "scores[3]", "scores[4]");
  }

  @Test
  void map() {
    var result = h.run(new PipelineExamples.Sweep(), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(h.statuses(result.runId()))
        .containsEntry("evaluate", StepStatus.SUCCEEDED)
        .containsEntry("evaluate[0]", StepStatus.SUCCEEDED)
        .containsEntry("evaluate[8]", StepStatus.SUCCEEDED)
        .doesNotContainKey("evaluate[9]");
    // a record is stored one output per component
    assertThat(read(result.runId(), "best", "cost", Double.class)).isEqualTo(1.0);
    assertThat(read(result.runId(), "best", "gamma", Double.class)).isEqualTo(1.0);

    var again = h.run(new PipelineExamples.Sweep(), s -> {});
    assertThat(h.statuses(again.runId())).containsEntry("evaluate[4]", StepStatus.CACHED);
  }

  @Test
  void conditions() {
    var good = h.run(new PipelineExamples.Release(0.95), s -> {});
    assertThat(good.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(read(good.runId(), "announce", String.class)).isEqualTo("deployed models/v2 (0.95)");

    var poor = h.run(new PipelineExamples.Release(0.7), s -> {});
    assertThat(poor.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(h.statuses(poor.runId()))
        .containsEntry("deploy", StepStatus.SKIPPED)
        .containsEntry("announce", StepStatus.SKIPPED)
        .containsEntry("report", StepStatus.SKIPPED);
    assertThat(h.step(poor.runId(), "deploy").error())
        .isEqualTo("condition false: 'good_enough' is false");
  }

  @Test
  void hooks() {
    var result = h.run(new PipelineExamples.Nightly(), s -> {});

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(read(result.runId(), "page", String.class))
        .isEqualTo(
            "#ml-oncall nightly FAILED at train: step 'train' failed: IllegalStateException: loss"
                + " diverged");
    assertThat(read(result.runId(), "audit", String.class))
        .startsWith(result.runId() + " FAILED in PT");
  }

  private <T> T read(String runId, String step, Class<T> type) {
    return read(runId, step, "output", type);
  }

  private <T> T read(String runId, String step, String output, Class<T> type) {
    ArtifactRecord a = h.store.stepOutputs(runId, step).get(output);
    try (InputStream in = h.artifacts.open(a.path())) {
      return type.cast(h.materializers.byId(a.materializer()).read((Type) type, in));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
