package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.ScheduleRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.Schedule;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.kubernetes.FakeCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A schedule: its record, its CronJob and the Secret the CronJob owns, or none of them. */
class ScheduleSubmissionTest {
  static final String NS = FakeCluster.DEFAULT_NAMESPACE;
  static FakeCluster cluster;

  @TempDir Path dir;
  MetadataStore store;
  final KubernetesOrchestratorConfig config = SubmissionFixtures.config();
  final RunPlan plan = SubmissionFixtures.plan(config);

  @BeforeAll
  static void start() {
    cluster = FakeCluster.start();
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

  ScheduleSubmission submission() {
    return new ScheduleSubmission(
        cluster.client(),
        NS,
        store,
        new StoreAccess("jdbc:postgresql://db:5432/skiff?user=skiff", null, "s3://bucket/runs"),
        "k8s");
  }

  void submit(Schedule schedule) {
    submission()
        .submit(
            plan,
            schedule,
            schedule.cron(),
            KubernetesSettings.of(plan, config),
            new Manifests(config, SubmissionFixtures.IMAGE));
  }

  @Test
  void recordsTheScheduleAndCreatesTheCronJobOwningItsSecret() {
    Schedule schedule = Schedule.cron("0 3 * * *").named("nightly");

    submit(schedule);
    submit(Schedule.cron("30 4 * * *").named("nightly")); // again: updated, not refused

    var cronJob =
        cluster
            .client()
            .batch()
            .v1()
            .cronjobs()
            .inNamespace(NS)
            .withName(Names.cronJob("hello", "nightly"))
            .get();
    assertThat(cronJob.getSpec().getSchedule()).isEqualTo("30 4 * * *");
    var secret =
        cluster
            .client()
            .secrets()
            .inNamespace(NS)
            .withName(DryRun.scheduleSecret(plan, schedule))
            .get();
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("CronJob");
              assertThat(o.getUid()).isEqualTo(cronJob.getMetadata().getUid());
            });
    ScheduleRecord record = ScheduleRecord.find(store, "hello", "nightly").orElseThrow();
    assertThat(record.cron()).isEqualTo("30 4 * * *");
    assertThat(record.location()).isEqualTo(NS + "/" + cronJob.getMetadata().getName());
    assertThat(record.stack()).isEqualTo("k8s");
  }

  @Test
  void aRefusedCronJobLeavesNoScheduleRecord() {
    cluster.failNextRequests("POST", "/apis/batch/v1/namespaces/" + NS + "/cronjobs$", 403, 1);

    assertThatThrownBy(() -> submit(Schedule.cron("0 3 * * *").named("refused")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("creating the CronJob of schedule refused")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

    assertThat(ScheduleRecord.find(store, "hello", "refused")).isEmpty();
  }
}
