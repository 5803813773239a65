package dev.skiff.testing.containers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.testing.kubernetes.FakeCluster;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test cluster's kubelet running pods as real containers, the way a node does: what a pod may
 * see, who it runs as, its memory limit, and images it cannot pull.
 */
@Timeout(180)
class ContainerKubeletTest {
  static Fixture fixture;
  static FakeCluster cluster;
  @TempDir static Path shared;

  @BeforeAll
  static void start() throws Exception {
    fixture = Fixture.get();
    cluster =
        FakeCluster.builder().containers(Podman.shared()).allowHostPath(fixture.probeDir).start();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A restricted pod running {@link Probe} with {@code ops} from the non-root JRE image. */
  static PodBuilder probePod(String name, String image, String... ops) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("skiff")
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .endSecurityContext()
        .addNewContainer()
        .withName("main")
        .withImage(image)
        .withCommand("java", "-Xmx512m", "-cp", "/probe", Probe.class.getName())
        .withArgs(ops)
        .withNewSecurityContext()
        .withReadOnlyRootFilesystem(true)
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .endSecurityContext()
        .addNewVolumeMount()
        .withName("probe")
        .withMountPath("/probe")
        .withReadOnly(true)
        .endVolumeMount()
        .addNewVolumeMount()
        .withName("tmp")
        .withMountPath("/tmp")
        .endVolumeMount()
        .endContainer()
        .addNewVolume()
        .withName("probe")
        .withNewHostPath()
        .withPath(fixture.probeDir.toString())
        .endHostPath()
        .endVolume()
        .addNewVolume()
        .withName("tmp")
        .withNewEmptyDir()
        .endEmptyDir()
        .endVolume()
        .endSpec();
  }

  static Pod create(PodBuilder pod) {
    return cluster.client().pods().inNamespace("skiff").resource(pod.build()).create();
  }

  static ContainerStatus status(Pod pod) {
    return pod.getStatus().getContainerStatuses().get(0);
  }

  @Test
  void aPodSeesOnlyItsVolumesNotTheHostsFiles() throws Exception {
    Path hostFile = Files.writeString(shared.resolve("host-only.txt"), "host secret");
    cluster
        .client()
        .secrets()
        .inNamespace("skiff")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("creds")
                .endMetadata()
                .withStringData(null)
                .withData(
                    Map.of(
                        "token", java.util.Base64.getEncoder().encodeToString("s3cr3t".getBytes())))
                .build())
        .create();
    PodBuilder pod =
        probePod(
            "sees",
            fixture.nonroot.digestReference(),
            "read:" + hostFile,
            "read:/etc/hostname-of-host-none",
            "read:/creds/token",
            "write:/tmp",
            "write:/",
            "whoami");
    pod.editSpec()
        .editFirstContainer()
        .addNewVolumeMount()
        .withName("creds")
        .withMountPath("/creds")
        .withReadOnly(true)
        .endVolumeMount()
        .endContainer()
        .addNewVolume()
        .withName("creds")
        .withNewSecret()
        .withSecretName("creds")
        .endSecret()
        .endVolume()
        .endSpec();
    create(pod);

    Pod done = cluster.awaitPod("skiff", "sees", "Succeeded", Duration.ofSeconds(60));

    String log = cluster.processOutput("skiff", "sees");
    assertThat(log)
        .contains("read " + hostFile + ": missing", "read /creds/token: s3cr3t", "write /tmp: ok");
    assertThat(log).contains("write /: FileSystemException /probe-1: Read-only file system");
    assertThat(log).containsPattern("Uid:\\s+65532");
    assertThat(cluster.executedCommands())
        .filteredOn(r -> r.pod().equals("sees"))
        .singleElement()
        .satisfies(r -> assertThat(r.inContainer()).isTrue());
    assertThat(status(done).getState().getTerminated().getExitCode()).isZero();
  }

  @Test
  void aRootImageUnderRunAsNonRootFailsLikeAKubelet() {
    create(probePod("rooted", fixture.root.digestReference(), "whoami"));

    Pod waiting =
        cluster.awaitPod(
            "skiff",
            "rooted",
            p ->
                p.getStatus() != null
                    && !p.getStatus().getContainerStatuses().isEmpty()
                    && status(p).getState().getWaiting() != null
                    && "CreateContainerConfigError"
                        .equals(status(p).getState().getWaiting().getReason()),
            "CreateContainerConfigError",
            Duration.ofSeconds(60));

    assertThat(status(waiting).getState().getWaiting().getMessage())
        .startsWith("container has runAsNonRoot and image will run as root");
    assertThat(cluster.executedCommands()).noneMatch(r -> r.pod().equals("rooted"));
  }

  @Test
  void aContainerOverItsMemoryLimitIsOomKilledByTheKernel() {
    PodBuilder pod = probePod("hungry", fixture.nonroot.digestReference(), "alloc:300");
    pod.editSpec()
        .editFirstContainer()
        .withNewResources()
        .withLimits(Map.of("memory", new Quantity("96Mi")))
        .endResources()
        .endContainer()
        .endSpec();
    create(pod);

    Pod done = cluster.awaitPod("skiff", "hungry", "Failed", Duration.ofSeconds(60));

    assertThat(status(done).getState().getTerminated().getReason()).isEqualTo("OOMKilled");
    assertThat(status(done).getState().getTerminated().getExitCode()).isEqualTo(137);
  }

  @Test
  void aPlainExit137IsNotAnOomKill() {
    PodBuilder pod = probePod("exits", fixture.nonroot.digestReference(), "exit:137");
    pod.editSpec()
        .editFirstContainer()
        .withNewResources()
        .withLimits(Map.of("memory", new Quantity("256Mi")))
        .endResources()
        .endContainer()
        .endSpec();
    create(pod);

    Pod done = cluster.awaitPod("skiff", "exits", "Failed", Duration.ofSeconds(60));

    assertThat(status(done).getState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(status(done).getState().getTerminated().getExitCode()).isEqualTo(137);
  }

  @Test
  void aWrongDigestIsAnImagePullErrorThenBackOff() {
    String wrong =
        fixture
            .nonroot
            .digestReference()
            .replaceAll("sha256:[0-9a-f]{64}", "sha256:" + "0".repeat(64));
    create(probePod("unpullable", wrong, "whoami"));

    Pod backOff =
        cluster.awaitPod(
            "skiff",
            "unpullable",
            p ->
                p.getStatus() != null
                    && !p.getStatus().getContainerStatuses().isEmpty()
                    && status(p).getState().getWaiting() != null
                    && "ImagePullBackOff".equals(status(p).getState().getWaiting().getReason()),
            "ImagePullBackOff",
            Duration.ofSeconds(60));

    assertThat(cluster.events("skiff", "unpullable"))
        .extracting(e -> e.getMessage())
        .anySatisfy(
            m ->
                assertThat(m)
                    .contains("Failed to pull image \"" + wrong + "\"")
                    .containsIgnoringCase("manifest unknown"));
    assertThat(backOff.getStatus().getPhase()).isEqualTo("Pending");
  }
}
