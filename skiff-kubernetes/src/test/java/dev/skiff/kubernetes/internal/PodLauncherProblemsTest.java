package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which waiting reasons fail a step at once instead of after podStartupTimeout. */
class PodLauncherProblemsTest {

  @Test
  void imagesThatCannotBePulledAndRootImagesUnderRunAsNonRootFailAtOnce() {
    assertThat(
            PodLauncher.isPermanent(
                "ImagePullBackOff: Back-off pulling image \"r/skiff@sha256:00\""))
        .isTrue();
    assertThat(
            PodLauncher.isPermanent("InvalidImageName: couldn't parse image reference \"r/Skiff\""))
        .isTrue();
    assertThat(
            PodLauncher.isPermanent(
                "CreateContainerConfigError: container has runAsNonRoot and image will run as root (pod: ...)"))
        .isTrue();
  }

  @Test
  void whatAMomentMayCureKeepsWaiting() {
    // the first pull error: the kubelet retries once before backing off
    assertThat(
            PodLauncher.isPermanent(
                "ErrImagePull: failed to pull and unpack image: connection refused"))
        .isFalse();
    // the run Secret may be created a moment after its pod
    assertThat(
            PodLauncher.isPermanent(
                "CreateContainerConfigError: secret \"skiff-run-r1\" not found"))
        .isFalse();
    assertThat(PodLauncher.isPermanent("Unschedulable: 0/3 nodes are available")).isFalse();
  }
}
