package dev.skiff.testing.kubernetes;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One container the fake kubelet started: what it executed and when (a snapshot).
 *
 * @param namespace pod namespace
 * @param pod pod name
 * @param podUid pod uid
 * @param container container name
 * @param image the image reference from the pod spec
 * @param command the full command line executed (empty for a no-op image)
 * @param env the environment the process got
 * @param workingDir its working directory
 * @param startedAt when the process started
 * @param finishedAt when it ended; null while running
 * @param exitCode its exit code; null while running
 * @param reason {@code Completed}, {@code Error}, {@code OOMKilled}, {@code StartError}; null while
 *     running
 * @param imageId the local id of the pulled image when it ran as a real container (podman); null
 *     for a host JVM of a registered image
 */
public record ContainerRun(
    String namespace,
    String pod,
    String podUid,
    String container,
    String image,
    List<String> command,
    Map<String, String> env,
    Path workingDir,
    Instant startedAt,
    Instant finishedAt,
    Integer exitCode,
    String reason,
    String imageId) {

  /** True when it ran as a real OCI container. */
  public boolean inContainer() {
    return imageId != null;
  }

  /** True while the process runs. */
  public boolean running() {
    return finishedAt == null;
  }

  /** Time from start to end (to now while running). */
  public Duration duration() {
    return Duration.between(startedAt, finishedAt == null ? Instant.now() : finishedAt);
  }

  /** True if the running intervals of both containers intersect. */
  public boolean overlaps(ContainerRun other) {
    Instant end = finishedAt == null ? Instant.MAX : finishedAt;
    Instant otherEnd = other.finishedAt == null ? Instant.MAX : other.finishedAt;
    return startedAt.isBefore(otherEnd) && other.startedAt.isBefore(end);
  }
}
