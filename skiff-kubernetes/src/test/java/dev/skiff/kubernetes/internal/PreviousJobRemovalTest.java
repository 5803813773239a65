package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.stack.ConfigException;
import dev.skiff.testing.kubernetes.FakeCluster;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A resume's previous orchestrator Job and Secret are gone before the new ones are made. */
class PreviousJobRemovalTest {
  static final String NS = FakeCluster.DEFAULT_NAMESPACE;
  static FakeCluster cluster;

  @BeforeAll
  static void start() {
    cluster = FakeCluster.start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  /** A finished orchestrator Job of {@code runId} and its Secret. */
  static void previousObjects(String runId, List<String> secretFinalizers) {
    cluster
        .client()
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .resource(
            new JobBuilder()
                .withNewMetadata()
                .withName(Names.orchestratorJob(runId))
                .endMetadata()
                .withNewSpec()
                .withSuspend(true) // no pod: only the objects matter here
                .withNewTemplate()
                .withNewSpec()
                .addNewContainer()
                .withName("main")
                .withImage("registry.local/skiff:old")
                .endContainer()
                .withRestartPolicy("Never")
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    cluster
        .client()
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(Names.runSecret(runId))
                .withFinalizers(secretFinalizers)
                .endMetadata()
                .build())
        .create();
  }

  boolean gone(String runId) {
    return cluster.job(NS, Names.orchestratorJob(runId)).isEmpty()
        && cluster.client().secrets().inNamespace(NS).withName(Names.runSecret(runId)).get()
            == null;
  }

  @Test
  void deletesTheJobAndSecretAndReturnsOnceBothAreGone() {
    previousObjects("hello-1", List.of());

    new PreviousJobRemoval(cluster.client(), NS, Duration.ofSeconds(30)).remove("hello-1");

    assertThat(gone("hello-1")).isTrue();
  }

  @Test
  void nothingToRemoveIsFine() {
    assertThatCode(
            () ->
                new PreviousJobRemoval(cluster.client(), NS, Duration.ofSeconds(30))
                    .remove("hello-2"))
        .doesNotThrowAnyException();
  }

  @Test
  void aSecretHeldByAFinalizerStopsTheResumeNamingWhatToLookAt() {
    previousObjects("hello-3", List.of("example.com/hold"));

    assertThatThrownBy(
            () ->
                new PreviousJobRemoval(cluster.client(), NS, Duration.ofSeconds(1))
                    .remove("hello-3"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "the previous orchestrator Job "
                + Names.orchestratorJob("hello-3")
                + " of run hello-3 or its Secret "
                + Names.runSecret("hello-3")
                + " is still being deleted after 1 s: see what holds it (kubectl get job,secret -n skiff -o yaml: finalizers) and resume again");

    cluster
        .client()
        .secrets()
        .inNamespace(NS)
        .withName(Names.runSecret("hello-3"))
        .edit(
            s -> {
              s.getMetadata().setFinalizers(null);
              return s;
            });
  }
}
