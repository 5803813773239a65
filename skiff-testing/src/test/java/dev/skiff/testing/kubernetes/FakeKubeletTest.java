package dev.skiff.testing.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fake kubelet: real processes, real pod status, Kubernetes container semantics. */
class FakeKubeletTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String NS = FakeCluster.DEFAULT_NAMESPACE;

  private static FakeCluster cluster;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = FakeCluster.start();
    Pods.registerImages(cluster);
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void runsTheContainerAsAProcessAndWritesRealStatus() {
    List<String> phases = new CopyOnWriteArrayList<>();
    try (Watch watch =
        client
            .pods()
            .withName("hello")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    phases.add(
                        action
                            + ":"
                            + (pod.getStatus() == null ? null : pod.getStatus().getPhase()));
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      client
          .pods()
          .resource(Pods.script("hello", "print:hello from a pod", "err:to stderr"))
          .create();
      Pod pod = cluster.awaitPod(NS, "hello", "Succeeded", TIMEOUT);

      assertThat(pod.getStatus().getStartTime()).isNotNull();
      assertThat(pod.getStatus().getPodIP()).isEqualTo("127.0.0.1");
      assertThat(pod.getStatus().getHostIP()).isEqualTo("127.0.0.1");
      assertThat(condition(pod, "PodScheduled").getStatus()).isEqualTo("True");
      assertThat(condition(pod, "Ready").getStatus()).isEqualTo("False");
      assertThat(condition(pod, "Ready").getReason()).isEqualTo("PodCompleted");
      ContainerStateTerminated terminated =
          pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
      assertThat(terminated.getExitCode()).isZero();
      assertThat(terminated.getReason()).isEqualTo("Completed");
      assertThat(terminated.getStartedAt()).isNotNull();
      assertThat(terminated.getFinishedAt()).isNotNull();
      assertThat(cluster.processOutput(NS, "hello")).isEqualTo("hello from a pod\nto stderr\n");

      cluster.await("watch saw Succeeded", TIMEOUT, () -> phases.contains("MODIFIED:Succeeded"));
      assertThat(phases).contains("MODIFIED:Running");
      assertThat(phases.indexOf("MODIFIED:Running"))
          .isLessThan(phases.indexOf("MODIFIED:Succeeded"));
    }
    PodRecord record = cluster.podRecord(NS, "hello").orElseThrow();
    assertThat(record.createdAt()).isBeforeOrEqualTo(record.runningAt());
    assertThat(record.runningAt()).isBeforeOrEqualTo(record.finishedAt());
    ContainerRun run = record.containers().get(0);
    assertThat(run.command())
        .endsWith(ScriptMain.class.getName(), "print:hello from a pod", "err:to stderr");
    assertThat(run.command().get(0)).endsWith("java");
    assertThat(run.exitCode()).isZero();
    assertThat(run.finishedAt()).isAfterOrEqualTo(run.startedAt());
    assertThat(cluster.executedCommands()).anySatisfy(r -> assertThat(r.pod()).isEqualTo("hello"));
  }

  @Test
  void nonZeroExitFailsThePod() {
    client.pods().resource(Pods.script("exits-three", "print:about to fail", "exit:3")).create();
    Pod pod = cluster.awaitPod(NS, "exits-three", "Failed", TIMEOUT);

    ContainerStateTerminated terminated =
        pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(terminated.getExitCode()).isEqualTo(3);
    assertThat(terminated.getReason()).isEqualTo("Error");
    assertThat(cluster.processOutput(NS, "exits-three")).contains("about to fail");
  }

  @Test
  void resolvesEnvironmentCommandAndWorkingDirectoryLikeTheKubelet(@TempDir Path workDir) {
    client
        .secrets()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("creds")
                .endMetadata()
                .addToData(
                    "password",
                    Base64.getEncoder().encodeToString("s3cret".getBytes(StandardCharsets.UTF_8)))
                .build())
        .create();
    client
        .configMaps()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("settings")
                .endMetadata()
                .addToData("level", "debug")
                .build())
        .create();
    Pod pod =
        new PodBuilder(Pods.script("env-pod"))
            .editMetadata()
            .addToLabels("step", "trainer")
            .endMetadata()
            .editSpec()
            .editFirstContainer()
            .withArgs(
                "env:PASSWORD",
                "env:LEVEL",
                "env:POD_NAME",
                "env:POD_NAMESPACE",
                "env:STEP",
                "env:GREETING",
                "env:KUBERNETES_SERVICE_HOST",
                "env:HOSTNAME",
                "env:JAVA_TOOL_OPTIONS",
                "print:$(POD_NAME)",
                "pwd")
            .withWorkingDir(workDir.toString())
            .addNewEnv()
            .withName("PASSWORD")
            .withNewValueFrom()
            .withNewSecretKeyRef("password", "creds", false)
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("LEVEL")
            .withNewValueFrom()
            .withNewConfigMapKeyRef("level", "settings", false)
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("POD_NAME")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.name")
            .endFieldRef()
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("POD_NAMESPACE")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.namespace")
            .endFieldRef()
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("STEP")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.labels['step']")
            .endFieldRef()
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("GREETING")
            .withValue("hi $(POD_NAME) in $(POD_NAMESPACE), $$(escaped)")
            .endEnv()
            .endContainer()
            .endSpec()
            .build();
    client.pods().resource(pod).create();
    cluster.awaitPod(NS, "env-pod", "Succeeded", TIMEOUT);

    assertThat(cluster.processOutput(NS, "env-pod").lines())
        .containsExactly(
            "PASSWORD=s3cret",
            "LEVEL=debug",
            "POD_NAME=env-pod",
            "POD_NAMESPACE=" + NS,
            "STEP=trainer",
            "GREETING=hi env-pod in " + NS + ", $(escaped)",
            "KUBERNETES_SERVICE_HOST=127.0.0.1",
            "HOSTNAME=env-pod",
            "JAVA_TOOL_OPTIONS=null", // the test JVM's environment does not leak in
            "env-pod",
            "pwd=" + workDir.toAbsolutePath());
  }

  @Test
  void containerCommandReplacesEntrypointAndArgsReplaceCmd() {
    cluster
        .images()
        .register(
            "registry.local/tools:1",
            ImageRegistry.Image.of(ImageRegistry.javaEntrypoint(ScriptMain.class.getName()))
                .withCmd(List.of("print:default cmd"))
                .withEnv(Map.of("FROM_IMAGE", "yes")));
    Pod defaults =
        new PodBuilder(Pods.script("image-defaults"))
            .editSpec()
            .editFirstContainer()
            .withImage("registry.local/tools:1@sha256:" + "ab".repeat(32))
            .withArgs(List.of())
            .endContainer()
            .endSpec()
            .build();
    Pod shell =
        new PodBuilder(Pods.script("shell-command"))
            .editSpec()
            .editFirstContainer()
            .withImage("registry.local/tools:1")
            .withCommand("/bin/sh", "-c")
            .withArgs("echo \"image env: $FROM_IMAGE, pod: $HOSTNAME\"")
            .endContainer()
            .endSpec()
            .build();
    client.pods().resource(defaults).create();
    client.pods().resource(shell).create();

    cluster.awaitPod(NS, "image-defaults", "Succeeded", TIMEOUT);
    cluster.awaitPod(NS, "shell-command", "Succeeded", TIMEOUT);
    assertThat(cluster.processOutput(NS, "image-defaults")).isEqualTo("default cmd\n");
    assertThat(cluster.processOutput(NS, "shell-command"))
        .isEqualTo("image env: yes, pod: shell-command\n");
  }

  @Test
  void missingSecretIsAConfigErrorUntilItAppears() {
    Pod pod =
        new PodBuilder(Pods.script("needs-secret", "env:TOKEN"))
            .editSpec()
            .editFirstContainer()
            .addNewEnv()
            .withName("TOKEN")
            .withNewValueFrom()
            .withNewSecretKeyRef("token", "late-secret", false)
            .endValueFrom()
            .endEnv()
            .endContainer()
            .endSpec()
            .build();
    client.pods().resource(pod).create();
    cluster.awaitPod(
        NS,
        "needs-secret",
        p -> "CreateContainerConfigError".equals(waitingReason(p)),
        "CreateContainerConfigError",
        TIMEOUT);

    client
        .secrets()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("late-secret")
                .endMetadata()
                .addToStringData("token", "finally")
                .build())
        .create();
    cluster.awaitPod(NS, "needs-secret", "Succeeded", TIMEOUT);
    assertThat(cluster.processOutput(NS, "needs-secret")).isEqualTo("TOKEN=finally\n");
  }

  @Test
  void unknownImageGivesErrImagePullThenImagePullBackOffWithEvents() {
    Pod pod =
        new PodBuilder(Pods.script("no-image"))
            .editSpec()
            .editFirstContainer()
            .withImage("registry.local/not-built:v7")
            .endContainer()
            .endSpec()
            .build();
    client.pods().resource(pod).create();

    Pod waiting =
        cluster.awaitPod(
            NS,
            "no-image",
            p -> "ImagePullBackOff".equals(waitingReason(p)),
            "ImagePullBackOff",
            TIMEOUT);
    assertThat(waiting.getStatus().getPhase()).isEqualTo("Pending");
    List<Event> events = cluster.events(NS, "no-image");
    assertThat(events)
        .anySatisfy(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getReason()).isEqualTo("Failed");
              assertThat(e.getMessage()).contains("registry.local/not-built:v7");
              assertThat(e.getInvolvedObject().getKind()).isEqualTo("Pod");
            });
    assertThat(events)
        .extracting(Event::getMessage)
        .contains("Error: ErrImagePull", "Error: ImagePullBackOff");

    // Like a kubelet retrying the pull: once the image exists, the pod runs.
    cluster.images().registerNoOp("registry.local/not-built:v7");
    cluster.awaitPod(NS, "no-image", "Succeeded", TIMEOUT);
  }

  @Test
  void activeDeadlineSecondsKillsThePod() {
    Pod pod =
        new PodBuilder(Pods.script("too-slow", "print:working", "sleep:60000"))
            .editSpec()
            .withActiveDeadlineSeconds(1L)
            .endSpec()
            .build();
    client.pods().resource(pod).create();

    Pod failed = cluster.awaitPod(NS, "too-slow", "Failed", TIMEOUT);
    assertThat(failed.getStatus().getReason()).isEqualTo("DeadlineExceeded");
    assertThat(failed.getStatus().getMessage()).contains("deadline");
    assertThat(
            failed
                .getStatus()
                .getContainerStatuses()
                .get(0)
                .getState()
                .getTerminated()
                .getExitCode())
        .isEqualTo(137);
  }

  @Test
  void deletingAPodKillsItsProcess() {
    client.pods().resource(Pods.script("long-runner", "print:started", "sleep:600000")).create();
    cluster.awaitPod(NS, "long-runner", "Running", TIMEOUT);
    cluster.await(
        "output 'started'",
        TIMEOUT,
        () -> cluster.processOutput(NS, "long-runner").contains("started"));

    client.pods().withName("long-runner").delete();

    cluster.await(
        "process of long-runner ended",
        TIMEOUT,
        () -> !cluster.podRecord(NS, "long-runner").orElseThrow().containers().get(0).running());
    PodRecord record = cluster.podRecord(NS, "long-runner").orElseThrow();
    assertThat(record.deleted()).isTrue();
    assertThat(record.containers().get(0).exitCode()).isEqualTo(143); // SIGTERM
  }

  @Test
  void noOpImageSucceedsWithoutAProcess() {
    client.pods().resource(Pods.noOp("noop")).create();
    Pod pod = cluster.awaitPod(NS, "noop", "Succeeded", TIMEOUT);
    assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getReason())
        .isEqualTo("Completed");
    assertThat(cluster.podRecord(NS, "noop").orElseThrow().containers().get(0).command()).isEmpty();
  }

  @Test
  void statusIsASubresourceForClients() {
    client.pods().resource(Pods.noOp("keeps-status")).create();
    cluster.awaitPod(NS, "keeps-status", "Succeeded", TIMEOUT);

    Pod read = client.pods().withName("keeps-status").get();
    read.getMetadata().getLabels().put("touched", "yes");
    read.setStatus(null); // a plain update must not wipe status
    client.pods().resource(read).update();

    Pod after = client.pods().withName("keeps-status").get();
    assertThat(after.getMetadata().getLabels()).containsEntry("touched", "yes");
    assertThat(after.getStatus().getPhase()).isEqualTo("Succeeded");
  }

  @Test
  void podWithUnknownServiceAccountIsForbidden() {
    Pod pod =
        new PodBuilder(Pods.noOp("no-account"))
            .editSpec()
            .withServiceAccountName("skiff-runner")
            .endSpec()
            .build();
    assertThatThrownBy(() -> client.pods().resource(pod).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(403);
              assertThat(e.getMessage()).contains("serviceaccount \"skiff-runner\" not found");
            });
  }

  static String waitingReason(Pod pod) {
    if (pod.getStatus() == null
        || pod.getStatus().getContainerStatuses() == null
        || pod.getStatus().getContainerStatuses().isEmpty()
        || pod.getStatus().getContainerStatuses().get(0).getState().getWaiting() == null) {
      return null;
    }
    return pod.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason();
  }

  static PodCondition condition(Pod pod, String type) {
    return pod.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }
}
