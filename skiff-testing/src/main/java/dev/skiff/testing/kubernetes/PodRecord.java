package dev.skiff.testing.kubernetes;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The fake kubelet's history of one pod (a snapshot; kept after the pod is deleted).
 *
 * @param namespace namespace
 * @param name name
 * @param uid uid
 * @param labels labels at admission
 * @param createdAt when the kubelet first saw the pod (just after it was created)
 * @param scheduledAt when it was scheduled (null while unschedulable or never)
 * @param runningAt when its containers were started and it turned Running (null if never)
 * @param finishedAt when it reached Succeeded/Failed, was deleted or lost its node (null before)
 * @param phase the last phase the kubelet wrote
 * @param reason {@code status.reason} it wrote ({@code Evicted}, {@code DeadlineExceeded}) or the
 *     last waiting reason ({@code ErrImagePull}...), else null
 * @param deleted true once the pod was deleted from the API
 * @param containers the containers started for it
 */
public record PodRecord(
    String namespace,
    String name,
    String uid,
    Map<String, String> labels,
    Instant createdAt,
    Instant scheduledAt,
    Instant runningAt,
    Instant finishedAt,
    String phase,
    String reason,
    boolean deleted,
    List<ContainerRun> containers) {

  /** The label value, or null. */
  public String label(String key) {
    return labels.get(key);
  }
}
