package dev.skiff.kubernetes.internal;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.ScheduleRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.sdk.Schedule;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.time.Instant;
import java.util.List;

/**
 * A schedule's counterpart of {@link JobSubmission}: records the schedule with its plan (each
 * firing records a new run of it), then creates or updates the CronJob whose job template is the
 * orchestrator Job, and the schedule's Secret owned by the CronJob. If the cluster refuses either,
 * the schedule's record is deleted again.
 */
final class ScheduleSubmission {
  private final KubernetesClient client;
  private final String namespace;
  private final MetadataStore store;
  private final StoreAccess storesForPods;
  private final String stack;

  ScheduleSubmission(
      KubernetesClient client,
      String namespace,
      MetadataStore store,
      StoreAccess storesForPods,
      String stack) {
    this.client = client;
    this.namespace = namespace;
    this.store = store;
    this.storesForPods = storesForPods;
    this.stack = stack;
  }

  /**
   * The CronJob as sent.
   *
   * @param cron the schedule's cron expression, checked
   */
  CronJob submit(
      RunPlan plan,
      Schedule schedule,
      String cron,
      KubernetesSettings settings,
      Manifests manifests) {
    String secretName = DryRun.scheduleSecret(plan, schedule);
    CronJob cronJob = manifests.cronJob(plan, schedule.name(), cron, secretName, settings);
    new ScheduleRecord(
            plan.pipeline(),
            schedule.name(),
            cron,
            stack,
            KubernetesOrchestrator.NAME,
            namespace + "/" + cronJob.getMetadata().getName(),
            plan.toJson(),
            false,
            Instant.now())
        .save(store);
    try {
      CronJob created =
          client
              .batch()
              .v1()
              .cronjobs()
              .inNamespace(namespace)
              .resource(cronJob)
              .createOr(NonDeletingOperation::update);
      var secret =
          manifests.runSecret(
              "schedule-" + plan.pipeline() + "-" + schedule.name(),
              plan.pipeline(),
              storesForPods);
      secret.getMetadata().setName(secretName);
      secret
          .getMetadata()
          .setOwnerReferences(
              List.of(
                  Manifests.ownerReference(
                      "batch/v1",
                      "CronJob",
                      created.getMetadata().getName(),
                      created.getMetadata().getUid())));
      client
          .secrets()
          .inNamespace(namespace)
          .resource(secret)
          .createOr(NonDeletingOperation::update);
    } catch (KubernetesClientException e) {
      ScheduleRecord.delete(store, plan.pipeline(), schedule.name());
      throw ClusterAccess.explain(
          e,
          "creating the CronJob of schedule " + schedule.name(),
          client.getMasterUrl().toString());
    }
    return cronJob;
  }
}
