package dev.skiff.testing.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pod logs served from the processes, and the cluster address handed to pods. */
class PodLogsAndInClusterTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String NS = FakeCluster.DEFAULT_NAMESPACE;

  private static FakeCluster cluster;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = FakeCluster.start();
    Pods.registerImages(cluster);
    cluster.images().registerJavaMain("registry.local/skiff:in-cluster", InClusterMain.class);
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void servesTheLogOfAFinishedContainerWithTailLinesAndContainerName() {
    client
        .pods()
        .resource(
            Pods.script(
                "five-lines", "print:one", "print:two", "print:three", "print:four", "print:five"))
        .create();
    cluster.awaitPod(NS, "five-lines", "Succeeded", TIMEOUT);

    assertThat(client.pods().withName("five-lines").getLog())
        .isEqualTo("one\ntwo\nthree\nfour\nfive\n");
    assertThat(client.pods().withName("five-lines").tailingLines(2).getLog())
        .isEqualTo("four\nfive\n");
    assertThat(client.pods().withName("five-lines").inContainer("main").getLog())
        .startsWith("one\n");
    assertThat(cluster.apiRequests())
        .anySatisfy(
            r -> {
              assertThat(r.path()).isEqualTo("/api/v1/namespaces/" + NS + "/pods/five-lines/log");
              assertThat(r.query()).contains("tailLines=2");
            });
  }

  @Test
  void picksTheContainerOfAMultiContainerPod() {
    Pod pod =
        new PodBuilder(Pods.script("two-containers", "print:from main"))
            .editSpec()
            .addToContainers(
                new ContainerBuilder()
                    .withName("sidecar")
                    .withImage(Pods.SCRIPT_IMAGE)
                    .withArgs("print:from sidecar")
                    .build())
            .endSpec()
            .build();
    client.pods().resource(pod).create();
    cluster.awaitPod(NS, "two-containers", "Succeeded", TIMEOUT);

    assertThat(client.pods().withName("two-containers").inContainer("sidecar").getLog())
        .isEqualTo("from sidecar\n");
    assertThat(client.pods().withName("two-containers").inContainer("main").getLog())
        .isEqualTo("from main\n");
    assertThatThrownBy(() -> client.pods().withName("two-containers").getLog())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(400);
              assertThat(e.getMessage()).contains("a container name must be specified");
            });
  }

  @Test
  void unknownPodIsNotFoundAndAWaitingContainerIsABadRequest() {
    assertThatThrownBy(() -> client.pods().withName("never-created").getLog())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));

    client
        .pods()
        .resource(
            new PodBuilder(Pods.script("pulls-forever"))
                .editSpec()
                .editFirstContainer()
                .withImage("registry.local/absent:1")
                .endContainer()
                .endSpec()
                .build())
        .create();
    cluster.awaitPod(
        NS,
        "pulls-forever",
        p -> "ImagePullBackOff".equals(FakeKubeletTest.waitingReason(p)),
        "ImagePullBackOff",
        TIMEOUT);
    assertThatThrownBy(() -> client.pods().withName("pulls-forever").getLog())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(400);
              assertThat(e.getMessage()).contains("is waiting to start: ImagePullBackOff");
            });
  }

  @Test
  void followStreamsLinesWhileTheProcessRunsAndEndsWithIt(@TempDir Path dir) throws Exception {
    Path gate = dir.resolve("gate");
    client
        .pods()
        .resource(Pods.script("follow-me", "print:first", "wait-file:" + gate, "print:second"))
        .create();
    cluster.awaitPod(NS, "follow-me", "Running", TIMEOUT);

    try (LogWatch watch = client.pods().withName("follow-me").watchLog();
        BufferedReader lines =
            new BufferedReader(new InputStreamReader(watch.getOutput(), StandardCharsets.UTF_8))) {
      // The process is blocked on the gate file: this line can only come from a live stream.
      assertThat(readLine(lines)).isEqualTo("first");
      Files.createFile(gate);
      assertThat(readLine(lines)).isEqualTo("second");
      assertThat(readLine(lines)).as("the stream closes when the container ends").isNull();
    }
    cluster.awaitPod(NS, "follow-me", "Succeeded", TIMEOUT);
    assertThat(cluster.apiRequests())
        .anySatisfy(
            r -> {
              assertThat(r.path()).endsWith("/pods/follow-me/log");
              assertThat(r.query()).contains("follow=true");
            });
  }

  @Test
  void inClusterConfigurationInsideThePodReachesTheApiServer() {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("in-cluster")
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName("main")
            .withImage("registry.local/skiff:in-cluster")
            .endContainer()
            .endSpec()
            .build();
    client.pods().resource(pod).create();
    cluster.awaitPod(NS, "in-cluster", "Succeeded", TIMEOUT);

    String output = cluster.processOutput(NS, "in-cluster");
    assertThat(output)
        .contains(
            "master=" + cluster.masterUrl(),
            "namespace=" + NS,
            "pod=in-cluster phase=Running",
            "created configmap from-in-cluster");
    ConfigMap created = client.configMaps().withName("from-in-cluster").get();
    assertThat(created.getData()).containsEntry("created-by", "in-cluster");
    assertThat(cluster.apiRequests())
        .anySatisfy(
            r -> {
              assertThat(r.method()).isEqualTo("POST");
              assertThat(r.path()).isEqualTo("/api/v1/namespaces/" + NS + "/configmaps");
              assertThat(r.user()).isEqualTo("system:serviceaccount:" + NS + ":default");
            });
    ContainerRun run = cluster.podRecord(NS, "in-cluster").orElseThrow().containers().get(0);
    assertThat(run.env())
        .containsEntry("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .containsEntry("KUBERNETES_AUTH_TRYKUBECONFIG", "false")
        .containsKeys(
            "KUBERNETES_SERVICE_PORT",
            "KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN",
            "KUBERNETES_CERTS_CA_FILE",
            "KUBENAMESPACE",
            "KUBECONFIG");
  }

  private static String readLine(BufferedReader reader) throws Exception {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                return reader.readLine();
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            })
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }
}
