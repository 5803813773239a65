package dev.skiff.sdk;

/**
 * Why a step attempt failed, so a {@link RetryPolicy} can retry one kind and not another, and
 * disruptions of the machine do not spend the attempts meant for the step's own failures.
 */
public enum FailureKind {
  /** The step's own code threw, returned a bad value or ran out of memory. */
  USER_CODE,
  /**
   * The attempt was lost to the platform, not to the step: the pod was evicted, preempted or lost
   * its node, the step process died from outside, the image could not be started. Retried on a
   * budget of its own ({@link RetryPolicy#infrastructureRetries()}).
   */
  INFRASTRUCTURE,
  /** The attempt ran longer than the step's timeout. */
  TIMEOUT,
  /** The attempt was stopped because the run was stopped; never retried. */
  CANCELLED
}
