package dev.skiff.testing;

import dev.skiff.core.ArtifactRecord;
import dev.skiff.core.MetadataStore;
import dev.skiff.core.RunRecord;
import dev.skiff.core.StepRecord;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.time.Instant;
import java.util.Map;

/** Records for metadata store tests, and the writes that executing steps makes. */
public final class MetadataFixtures {

  /** A fixed, whole-millisecond time: stores keep at least millisecond precision. */
  public static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  private MetadataFixtures() {}

  /** {@link #T0} plus {@code seconds}. */
  public static Instant t(int seconds) {
    return T0.plusSeconds(seconds);
  }

  /** A RUNNING run with a plan. */
  public static RunRecord run(String id, String pipeline, Instant createdAt) {
    return new RunRecord(
        id,
        pipeline,
        RunStatus.RUNNING,
        "local",
        "hash-" + id,
        "{\"run\":\"" + id + "\"}",
        createdAt,
        null,
        null);
  }

  /** A first attempt that started 5 s before {@code endedAt} (null: not ended). */
  public static StepRecord step(
      String runId, String name, StepStatus status, String cacheKey, Instant endedAt) {
    Instant startedAt = endedAt == null ? null : endedAt.minusSeconds(5);
    String error = status == StepStatus.FAILED ? "boom" : null;
    return new StepRecord(runId, name, status, 1, cacheKey, null, startedAt, endedAt, error);
  }

  /** A data artifact of 42 bytes. */
  public static ArtifactRecord artifact(
      String id, String runId, String step, String name, Instant createdAt) {
    return new ArtifactRecord(
        id,
        runId,
        step,
        name,
        ArtifactRecord.Kind.DATA,
        "double[]",
        "skiff.doubles",
        "artifacts/" + id,
        "sha-" + id,
        42,
        createdAt);
  }

  /**
   * Makes the writes that executing {@code count} steps makes: each step saved as RUNNING, its
   * output artifact saved and linked, the step saved as SUCCEEDED. Steps are named {@code
   * <prefix>-s<i>}; the output of each is named "out".
   */
  public static void writeSteps(MetadataStore store, String runId, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      String name = prefix + "-s" + i;
      StepRecord running = step(runId, name, StepStatus.RUNNING, "key-" + name, null);
      store.saveStep(running);
      String artifactId = runId + "-" + name + "-out";
      store.saveArtifact(artifact(artifactId, runId, name, "out", t(i)));
      store.linkArtifacts(runId, name, Map.of("out", artifactId), Map.of());
      store.saveStep(running.withStatus(StepStatus.SUCCEEDED, t(i), null));
    }
  }
}
