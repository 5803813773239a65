package dev.skiff.kubernetes.internal;

import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.KubernetesSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every object a run would create, without a cluster (nothing is sent to it, not even a read): RBAC
 * (unless a service account is given), the orchestrator Job and its Secret (or, for a schedule, the
 * CronJob and its Secret), and the first attempt's pod of each step. Settings come from the plan as
 * resolved (each step's pod from its own); namespace, image and pull secrets from {@code config}.
 * Secret values are shown as placeholders, never the real addresses.
 */
public final class DryRun {
  public static final String RUN_PLACEHOLDER = "dry-run";

  private DryRun() {}

  public static List<HasMetadata> manifests(
      RunPlan plan, KubernetesOrchestratorConfig config, Optional<String> cronSchedule) {
    return manifests(
        plan,
        config,
        cronSchedule.map(cron -> new dev.skiff.sdk.Schedule("default", cron)).orElse(null));
  }

  /**
   * What a run ({@code schedule} null) or a schedule of {@code plan} would create: for a schedule,
   * the CronJob and its Secret (owned by the CronJob) instead of the orchestrator Job and its
   * Secret, named as {@code skiff run --schedule} names them.
   */
  public static List<HasMetadata> manifests(
      RunPlan plan, KubernetesOrchestratorConfig config, dev.skiff.sdk.Schedule schedule) {
    String image = config.image() == null ? "IMAGE" : config.image();
    Manifests m = new Manifests(config, image);
    KubernetesSettings run = KubernetesSettings.of(plan, config);
    List<HasMetadata> out = new ArrayList<>();
    if (run.serviceAccountName() == null) {
      out.add(m.serviceAccount());
      out.add(m.role());
      out.add(m.roleBinding());
    }
    String runId = RUN_PLACEHOLDER;
    var placeholders =
        new dev.skiff.core.spi.StoreAccess("<metadata store URL>", null, "<artifact store>");
    if (schedule != null) {
      String secretName = scheduleSecret(plan, schedule);
      var cronJob =
          m.cronJob(plan, schedule.name(), CronExpressions.check(schedule.cron()), secretName, run);
      out.add(cronJob);
      var secret =
          m.runSecret(
              "schedule-" + plan.pipeline() + "-" + schedule.name(), plan.pipeline(), placeholders);
      secret.getMetadata().setName(secretName);
      secret
          .getMetadata()
          .setOwnerReferences(
              List.of(
                  Manifests.ownerReference(
                      "batch/v1",
                      "CronJob",
                      cronJob.getMetadata().getName(),
                      "<uid of the CronJob>")));
      out.add(secret);
    } else {
      Job job = m.orchestratorJob(plan, runId, run);
      out.add(job);
      var secret = m.runSecret(runId, plan.pipeline(), placeholders);
      secret
          .getMetadata()
          .setOwnerReferences(
              List.of(
                  Manifests.ownerReference(
                      "batch/v1", "Job", job.getMetadata().getName(), "<uid of the Job>")));
      out.add(secret);
    }
    OwnerReference podOwner =
        Manifests.ownerReference(
            "batch/v1", "Job", Names.orchestratorJob(runId), "<uid of the Job>");
    for (PlanStep step : plan.steps()) {
      KubernetesSettings s = KubernetesSettings.of(step, run);
      out.add(
          m.stepPod(
              plan, runId, step, 1, s.podSettings(), s.effectiveStepServiceAccount(), podOwner));
    }
    return out;
  }

  /** The name of the Secret of {@code schedule}'s CronJob. */
  static String scheduleSecret(RunPlan plan, dev.skiff.sdk.Schedule schedule) {
    return Names.runSecret("schedule-" + plan.pipeline() + "-" + schedule.name());
  }

  /** The manifests as one YAML stream (documents separated by ---). */
  public static String yaml(List<HasMetadata> manifests) {
    StringBuilder sb = new StringBuilder();
    for (HasMetadata h : manifests) {
      String doc = Serialization.asYaml(h);
      sb.append(doc.startsWith("---") ? doc : "---\n" + doc);
      if (!doc.endsWith("\n")) {
        sb.append('\n');
      }
    }
    return sb.toString();
  }
}
