package dev.skiff.testing.containers;

import java.time.Duration;
import java.util.Objects;

/**
 * How a container ended, with what a kubelet writes into {@code state.terminated}.
 *
 * @param exitCode the process's exit code (128 + signal when killed); for {@link
 *     Reason#START_ERROR} podman's own exit code (125: could not create, 126/127: could not exec)
 * @param reason why it ended
 * @param message podman's one-line error for {@link Reason#START_ERROR}, else empty
 * @param runTime from {@link Podman#start} to the end
 */
public record ContainerExit(int exitCode, Reason reason, String message, Duration runTime) {

  public ContainerExit {
    Objects.requireNonNull(reason, "reason");
    message = message == null ? "" : message;
    Objects.requireNonNull(runTime, "runTime");
  }

  /** Why a container ended; {@link #kubernetesReason()} maps it as the kubelet does. */
  public enum Reason {
    /** Exit code 0. */
    COMPLETED,
    /** A non-zero exit code of the container's own making (including a plain exit 137). */
    ERROR,
    /** Killed by the kernel because its pod cgroup ran out of memory (exit 137). */
    OOM_KILLED,
    /** Ended by {@link RunningContainer#stop} or {@link RunningContainer#kill}. */
    STOPPED,
    /** Never ran: bad mount, missing executable, unknown user... (see the message). */
    START_ERROR
  }

  public boolean oomKilled() {
    return reason == Reason.OOM_KILLED;
  }

  /** {@code Completed}, {@code Error}, {@code OOMKilled} or {@code StartError}. */
  public String kubernetesReason() {
    return switch (reason) {
      case COMPLETED -> "Completed";
      case OOM_KILLED -> "OOMKilled";
      case START_ERROR -> "StartError";
      case ERROR -> "Error";
      case STOPPED -> exitCode == 0 ? "Completed" : "Error";
    };
  }
}
