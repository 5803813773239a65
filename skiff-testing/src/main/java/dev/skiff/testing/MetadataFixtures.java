package dev.skiff.testing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.SecretRecord;
import dev.skiff.core.stack.StackRecord;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.time.Instant;
import java.util.Map;

/**
 * Records for metadata store tests (runs, steps, artifacts; components, stacks, secrets), and the
 * writes that executing steps makes.
 */
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

  // ---- components, stacks, secrets

  /** An empty JSON object to fill, e.g. {@code config().put("namespace", "skiff")}. */
  public static ObjectNode config() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** A component created at {@link #T0}, never updated, with {@code config}. */
  public static ComponentRecord component(
      ComponentType type, String name, String flavor, ObjectNode config) {
    return new ComponentRecord(type, name, flavor, config, T0, null);
  }

  /** A component created at {@link #T0} with config {@code {"name": <name>}}. */
  public static ComponentRecord component(ComponentType type, String name, String flavor) {
    return component(type, name, flavor, config().put("name", name));
  }

  /** A stack created at {@link #T0}, never updated. */
  public static StackRecord stack(String name, Map<ComponentType, String> components) {
    return new StackRecord(name, components, T0, null);
  }

  /** A stack with the required components: orchestrator and artifact store. */
  public static StackRecord stack(String name, String orchestrator, String artifactStore) {
    return stack(
        name,
        Map.of(
            ComponentType.ORCHESTRATOR, orchestrator, ComponentType.ARTIFACT_STORE, artifactStore));
  }

  /** A secret created at {@link #T0}; the values stand for ciphertexts (stores never decrypt). */
  public static SecretRecord secret(String name, Map<String, String> encryptedValues) {
    return new SecretRecord(name, encryptedValues, T0, null);
  }
}
