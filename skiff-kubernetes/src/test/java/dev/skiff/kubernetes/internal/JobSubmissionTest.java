package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.kubernetes.FakeCluster;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orchestrator Job and its Secret, or nothing at all. */
class JobSubmissionTest {
  static final String NS = FakeCluster.DEFAULT_NAMESPACE;
  static FakeCluster cluster;

  @TempDir Path dir;
  MetadataStore store;
  final KubernetesOrchestratorConfig config = SubmissionFixtures.config();
  final RunPlan plan = SubmissionFixtures.plan(config);
  final StoreAccess stores =
      new StoreAccess("jdbc:postgresql://db:5432/skiff?user=skiff", "pa55word", "s3://bucket/runs");

  @BeforeAll
  static void start() {
    cluster = FakeCluster.start();
    cluster.images().registerNoOp(SubmissionFixtures.IMAGE);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @BeforeEach
  void open() {
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  Job submit(String runId) {
    return new JobSubmission(cluster.client(), NS, store, stores)
        .submit(
            plan,
            runId,
            KubernetesSettings.of(plan, config),
            new Manifests(config, SubmissionFixtures.IMAGE));
  }

  @Test
  void theOrchestratorPodStartsOnlyOnceItsSecretExists() {
    String runId = SubmissionFixtures.recordRun(store, plan);
    cluster
        .client()
        .serviceAccounts()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata()
                .withName(KubernetesSettings.of(plan, config).effectiveServiceAccount())
                .endMetadata()
                .build())
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    cluster.resetApiRequests();

    Job job = submit(runId);

    List<String> calls =
        cluster.apiRequests().stream().map(r -> r.method() + " " + r.path()).toList();
    String jobs = "/apis/batch/v1/namespaces/" + NS + "/jobs";
    assertThat(calls)
        .containsExactly(
            "POST " + jobs,
            "POST /api/v1/namespaces/" + NS + "/secrets",
            "PATCH " + jobs + "/" + job.getMetadata().getName());
    assertThat(job.getSpec().getSuspend()).isFalse();
    cluster.await(
        "the orchestrator pod",
        Duration.ofSeconds(30),
        () ->
            cluster.pods(NS).stream()
                .anyMatch(p -> p.getMetadata().getName().startsWith(job.getMetadata().getName())));
  }

  @Test
  void createsTheJobAndTheSecretItOwns() {
    String runId = SubmissionFixtures.recordRun(store, plan);

    Job job = submit(runId);

    assertThat(job.getMetadata().getName()).isEqualTo(Names.orchestratorJob(runId));
    assertThat(job.getMetadata().getUid()).isNotBlank();
    var secret = cluster.client().secrets().inNamespace(NS).withName(Names.runSecret(runId)).get();
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> InClusterTest.nonControllerReferenceTo(owner, job));
    assertThat(store.findRun(runId).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
  }

  @Test
  void aForbiddenSecretDeletesTheJobNamesTheSecretAndFailsTheRun() {
    String runId = SubmissionFixtures.recordRun(store, plan);
    var fault = cluster.failNextRequests("POST", "/api/v1/namespaces/" + NS + "/secrets$", 403, 1);

    assertThatThrownBy(() -> submit(runId))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "not allowed to create Secret "
                + Names.runSecret(runId)
                + " in namespace 'skiff' (403)")
        .hasMessageContaining(
            "the orchestrator Job " + Names.orchestratorJob(runId) + " was deleted again")
        .hasMessageEndingWith("ask an admin for 'create' on secrets in namespace 'skiff'")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("pa55word"));

    assertThat(fault.hits()).isEqualTo(1);
    RunRecord run = store.findRun(runId).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.error())
        .isEqualTo("could not submit: Secret " + Names.runSecret(runId) + ": 403");
    cluster.await(
        "the Job gone",
        Duration.ofSeconds(10),
        () -> cluster.job(NS, Names.orchestratorJob(runId)).isEmpty());
    assertThat(cluster.client().secrets().inNamespace(NS).withName(Names.runSecret(runId)).get())
        .isNull();
  }

  @Test
  void aJobRefusedForAMissingNamespaceFailsTheRunAndSaysHowToCreateIt() {
    String runId = SubmissionFixtures.recordRun(store, plan);
    cluster.failNextRequests("POST", "/apis/batch/v1/namespaces/" + NS + "/jobs$", 404, 1);

    assertThatThrownBy(() -> submit(runId))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "namespace 'skiff' does not exist: create it (kubectl create namespace skiff) or set kubernetesNamespace");

    assertThat(store.findRun(runId).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
    assertThat(cluster.client().secrets().inNamespace(NS).withName(Names.runSecret(runId)).get())
        .isNull();
  }
}
