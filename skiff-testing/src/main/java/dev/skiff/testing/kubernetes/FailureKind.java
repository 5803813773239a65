package dev.skiff.testing.kubernetes;

/** Pod failures {@link FakeCluster#failNextPod} can inject, each shaped like the real one. */
public enum FailureKind {
  /**
   * The container is killed for exceeding its memory limit: process killed with SIGKILL, {@code
   * state.terminated{exitCode: 137, reason: OOMKilled}}, pod phase {@code Failed}.
   */
  OOM_KILLED,
  /**
   * The kubelet evicts the pod under node pressure: process killed, containers terminated with exit
   * code 137, pod phase {@code Failed} with {@code status.reason: Evicted}, a message naming the
   * resource, condition {@code DisruptionTarget=True} and a Warning Event {@code Evicted}.
   */
  EVICTED,
  /**
   * The node stops reporting: the process dies with the node, the pod's {@code Ready} condition
   * turns {@code Unknown} (reason {@code NodeStatusUnknown}) and it gets condition {@code
   * DisruptionTarget=True} (reason {@code DeletionByTaintManager}), then the pod is deleted (as by
   * the taint manager and pod GC once the node object is gone). Watchers see MODIFIED, then
   * DELETED, never a terminal phase.
   */
  NODE_LOST,
  /**
   * No node fits: the pod stays {@code Pending} with condition {@code PodScheduled=False} reason
   * {@code Unschedulable} ("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.") and a Warning
   * Event {@code FailedScheduling}, for the given duration or until {@link PodFault#release()};
   * then it is scheduled and runs normally.
   */
  SLOW_SCHEDULING,
  /**
   * The node pulls the pod's images by a digest the registry does not hold, as after a mistyped or
   * garbage-collected digest: with containers (podman) the pull really goes to the registry and
   * fails there; the container waits {@code ErrImagePull}, then {@code ImagePullBackOff} with the
   * kubelet's back-off, until the pod is deleted.
   */
  WRONG_IMAGE_DIGEST
}
