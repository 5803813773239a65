package dev.skiff.testing.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A pending or applied pod failure (see {@link FakeCluster#failNextPod}). It hits the first pod the
 * kubelet admits after registration that matches its predicate, once.
 */
public final class PodFault {
  static final String DEFAULT_UNSCHEDULABLE_MESSAGE =
      "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available:"
          + " 3 No preemption victims found for incoming pod.";

  private final Predicate<? super Pod> which;
  private final FailureKind kind;
  private final Duration delay;
  private final AtomicBoolean taken = new AtomicBoolean();
  private final CountDownLatch applied = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile String pod;

  PodFault(Predicate<? super Pod> which, FailureKind kind, Duration delay) {
    this.which = Objects.requireNonNull(which, "which");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.delay = delay;
  }

  /** The kind of failure. */
  public FailureKind kind() {
    return kind;
  }

  /** {@code namespace/name} of the pod this fault hit, once it hit one. */
  public Optional<String> pod() {
    return Optional.ofNullable(pod);
  }

  /** True once the failure was applied (for SLOW_SCHEDULING: once the pod was held Pending). */
  public boolean applied() {
    return applied.getCount() == 0;
  }

  /** Waits until the failure was applied; false on timeout. */
  public boolean awaitApplied(Duration timeout) throws InterruptedException {
    return applied.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** SLOW_SCHEDULING: lets the held pod be scheduled now. No effect for other kinds. */
  public void release() {
    released.countDown();
  }

  /** SLOW_SCHEDULING: waits up to {@code timeout} for {@link #release()}; true if released. */
  boolean awaitRelease(Duration timeout) throws InterruptedException {
    return released.await(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
  }

  boolean releasedEarly() {
    return released.getCount() == 0;
  }

  /**
   * How long the pod runs before the failure (or, for SLOW_SCHEDULING, stays Pending); null:
   * default.
   */
  Duration delay() {
    return delay;
  }

  boolean tryTake(Pod candidate) {
    if (taken.get() || !which.test(candidate)) {
      return false;
    }
    if (!taken.compareAndSet(false, true)) {
      return false;
    }
    pod = candidate.getMetadata().getNamespace() + "/" + candidate.getMetadata().getName();
    return true;
  }

  boolean isTaken() {
    return taken.get();
  }

  void markApplied() {
    applied.countDown();
  }

  @Override
  public String toString() {
    return "PodFault{" + kind + (pod == null ? ", pending" : ", pod=" + pod) + "}";
  }
}
