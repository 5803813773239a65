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
  void aStepPodTheKubeletCannotConfigureFailsAtOnceWithItsMessage() {
    // the run's own Secret exists before any step pod: a missing one is the user's (envFrom,
    // volumes), and waiting podStartupTimeout would only hide it
    assertThat(
            PodLauncher.isPermanent(
                "CreateContainerConfigError: secret \"team-credentials\" not found"))
        .isTrue();
    assertThat(
            PodLauncher.isPermanent(
                "CreateContainerConfigError: couldn't find key token in ConfigMap skiff/settings"))
        .isTrue();
  }

  @Test
  void whatAMomentMayCureKeepsWaiting() {
    // the first pull error: the kubelet retries once before backing off
    assertThat(
            PodLauncher.isPermanent(
                "ErrImagePull: failed to pull and unpack image: connection refused"))
        .isFalse();
    assertThat(PodLauncher.isPermanent("Unschedulable: 0/3 nodes are available")).isFalse();
  }
}
