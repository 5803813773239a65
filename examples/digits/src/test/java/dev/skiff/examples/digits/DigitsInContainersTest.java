package dev.skiff.examples.digits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.testing.containers.JreBaseImage;
import dev.skiff.testing.containers.Podman;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import dev.skiff.testing.registry.RegistryProcess;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The digits pipeline as a cluster runs it: Skiff builds the pipeline's image with Jib on a JRE
 * base image (jlink of this JDK, uid 65532), pushes it to a real registry process, and the test
 * cluster's kubelet pulls it by digest and runs every pod as a real container (podman): read-only
 * root, non-root user, its own volumes only, stores reached over loopback.
 */
@Timeout(600)
class DigitsInContainersTest {
  @TempDir Path dir;

  @Test
  void digitsRunsInRealContainersFromTheImageSkiffBuilt() throws Exception {
    Podman.assumeAvailable();
    try (RegistryProcess registry =
            RegistryProcess.start(Files.createDirectories(dir.resolve("registry")), false);
        FakeCluster cluster = FakeCluster.builder().containers(Podman.shared()).start()) {
      String base = JreBaseImage.hostJdk().push(registry).digestReference();
      cluster
          .client()
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName("skiff").endMetadata().build())
          .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
      System.setProperty(
          "kubeconfig", cluster.writeKubeconfig(dir.resolve("kubeconfig"), "fake").toString());
      System.setProperty("skiff.digits.baseImage", base);
      RemoteHome home = RemoteHome.create(dir.resolve("project"));
      String out;
      try {
        home.skiff(
            "orchestrator",
            "register",
            "k8s",
            "--flavor",
            "kubernetes",
            "--kubernetes-context=fake",
            "--keep-pods=true");
        home.skiff(
            "container-registry",
            "register",
            "reg",
            "--flavor",
            "default",
            "--uri=" + registry.hostPort() + "/team",
            "--insecure=true");
        home.skiff("stack", "register", "k8s", "-o", "k8s", "-a", "bucket", "-c", "reg", "--set");
        out = home.skiff("run", DigitsOnKubernetesTest.BasedDigits.class.getName());
      } finally {
        System.clearProperty("kubeconfig");
        System.clearProperty("skiff.digits.baseImage");
      }

      assertThat(out).containsPattern("(?m)^evaluator +\\| Test accuracy: 0\\.9\\d+");
      List<Pod> pods =
          cluster
              .client()
              .pods()
              .inNamespace("skiff")
              .withLabel("pipeline", "digits")
              .list()
              .getItems();
      assertThat(pods)
          .hasSize(5)
          .allSatisfy(
              p ->
                  assertThat(p.getSpec().getContainers().get(0).getImage())
                      .matches(
                          Pattern.quote(registry.hostPort() + "/team/skiff")
                              + "@sha256:[0-9a-f]{64}"));
      List<PodRecord> records = cluster.podHistory();
      assertThat(records)
          .isNotEmpty()
          .allSatisfy(r -> assertThat(r.phase()).isEqualTo("Succeeded"));
      assertThat(cluster.executedCommands())
          .hasSize(5)
          .allSatisfy(
              run -> {
                assertThat(run.inContainer()).as("%s ran as a container", run.pod()).isTrue();
                assertThat(run.reason()).isEqualTo("Completed");
              });
    }
  }
}
