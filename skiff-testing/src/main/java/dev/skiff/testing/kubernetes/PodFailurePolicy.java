package dev.skiff.testing.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnPodConditionsPattern;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import java.util.List;

/**
 * A batch/v1 Job's {@code podFailurePolicy} applied to one failed pod, as {@code
 * pod_failure_policy.go} does: the first rule that matches decides. {@code onExitCodes} looks at
 * terminated containers with a non-zero exit code ({@code In}/{@code NotIn}, optionally one {@code
 * containerName}); {@code onPodConditions} at the pod's conditions ({@code DisruptionTarget} after
 * an eviction or node loss). {@code FailJob} fails the Job, {@code Ignore} does not count the pod
 * against {@code backoffLimit}, {@code Count} counts it; with no match the pod counts.
 */
final class PodFailurePolicy {
  /**
   * counted: against backoffLimit; failJobMessage: the Job's failure message for FailJob, else
   * null.
   */
  record Verdict(boolean counted, String failJobMessage) {}

  private static final Verdict COUNT = new Verdict(true, null);

  private PodFailurePolicy() {}

  static Verdict judge(io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy policy, Pod pod) {
    if (policy == null || policy.getRules() == null || pod.getStatus() == null) {
      return COUNT;
    }
    String podName = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    List<PodFailurePolicyRule> rules = policy.getRules();
    for (int index = 0; index < rules.size(); index++) {
      PodFailurePolicyRule rule = rules.get(index);
      String action = rule.getAction();
      if (rule.getOnExitCodes() != null) {
        ContainerStatus container = matchOnExitCodes(pod, rule.getOnExitCodes());
        if (container != null) {
          return verdict(
              action,
              "Container "
                  + container.getName()
                  + " for pod "
                  + podName
                  + " failed with exit code "
                  + container.getState().getTerminated().getExitCode()
                  + " matching "
                  + action
                  + " rule at index "
                  + index);
        }
      } else if (rule.getOnPodConditions() != null) {
        PodCondition condition = matchOnPodConditions(pod, rule.getOnPodConditions());
        if (condition != null) {
          return verdict(
              action,
              "Pod "
                  + podName
                  + " has condition "
                  + condition.getType()
                  + " matching "
                  + action
                  + " rule at index "
                  + index);
        }
      }
    }
    return COUNT;
  }

  private static Verdict verdict(String action, String failJobMessage) {
    return switch (action) {
      case "Ignore" -> new Verdict(false, null);
      case "FailJob" -> new Verdict(true, failJobMessage);
      default -> COUNT;
    };
  }

  private static ContainerStatus matchOnExitCodes(
      Pod pod, PodFailurePolicyOnExitCodesRequirement requirement) {
    ContainerStatus found = matchIn(pod.getStatus().getContainerStatuses(), requirement);
    return found != null ? found : matchIn(pod.getStatus().getInitContainerStatuses(), requirement);
  }

  private static ContainerStatus matchIn(
      List<ContainerStatus> statuses, PodFailurePolicyOnExitCodesRequirement requirement) {
    if (statuses == null) {
      return null;
    }
    List<Integer> values = requirement.getValues() == null ? List.of() : requirement.getValues();
    for (ContainerStatus status : statuses) {
      if (status.getState() == null || status.getState().getTerminated() == null) {
        continue; // still terminating: no exit code to match
      }
      if (requirement.getContainerName() != null
          && !requirement.getContainerName().equals(status.getName())) {
        continue;
      }
      Integer exitCode = status.getState().getTerminated().getExitCode();
      if (exitCode == null || exitCode == 0) {
        continue;
      }
      boolean listed = values.contains(exitCode);
      if ("In".equals(requirement.getOperator())
          ? listed
          : "NotIn".equals(requirement.getOperator()) && !listed) {
        return status;
      }
    }
    return null;
  }

  private static PodCondition matchOnPodConditions(
      Pod pod, List<PodFailurePolicyOnPodConditionsPattern> patterns) {
    if (pod.getStatus().getConditions() == null) {
      return null;
    }
    for (PodCondition condition : pod.getStatus().getConditions()) {
      for (PodFailurePolicyOnPodConditionsPattern pattern : patterns) {
        String status =
            pattern.getStatus() == null ? "True" : pattern.getStatus(); // the API's default
        if (condition.getType().equals(pattern.getType()) && status.equals(condition.getStatus())) {
          return condition;
        }
      }
    }
    return null;
  }
}
