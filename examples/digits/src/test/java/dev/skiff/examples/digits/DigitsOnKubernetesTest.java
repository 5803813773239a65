package dev.skiff.examples.digits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.testing.kubernetes.ContainerRun;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flagship pipeline on Kubernetes, as a user runs it: {@code skiff stack set} to a stack with
 * the kubernetes orchestrator and remote stores (S3, PostgreSQL), then {@code skiff run}. The fake
 * cluster runs the orchestrator and each step in its own pod (a JVM on this class path: the image).
 */
@Timeout(240)
class DigitsOnKubernetesTest {
  @TempDir Path dir;
  FakeCluster cluster;

  dev.skiff.testing.registry.RegistryProcess registry;
  String image;

  /**
   * A cluster that runs real containers, and the digits image built once with {@code skiff build}
   * and given to the orchestrator as a prebuilt image ({@code --image}), pinned to its digest.
   */
  @BeforeEach
  void startCluster() throws Exception {
    dev.skiff.testing.containers.Podman.assumeAvailable();
    registry =
        dev.skiff.testing.registry.RegistryProcess.start(
            Files.createDirectories(dir.resolve("registry")), false);
    cluster =
        FakeCluster.builder().containers(dev.skiff.testing.containers.Podman.shared()).start();
    String base =
        dev.skiff.testing.containers.JreBaseImage.hostJdk().push(registry).digestReference();
    skiff(
        "container-registry",
        "register",
        "reg",
        "--flavor",
        "default",
        "--uri=" + registry.hostPort() + "/team",
        "--insecure=true",
        "--base-image=" + base);
    skiff("stack", "register", "build", "-o", "default", "-a", "bucket", "-c", "reg", "--set");
    Matcher pushed =
        Pattern.compile("(\\S+/team/skiff@sha256:[0-9a-f]{64})")
            .matcher(skiff("build", DigitsPipeline.class.getName()));
    assertThat(pushed.find()).isTrue();
    image = pushed.group(1);
    cluster
        .client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName("skiff").endMetadata().build())
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"), "fake");
    System.setProperty("kubeconfig", kubeconfig.toString());
  }

  @AfterEach
  void stopCluster() throws InterruptedException {
    System.clearProperty("kubeconfig");
    if (cluster != null) {
      cluster.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  RemoteHome home;

  /**
   * Pods reach only remote stores: PostgreSQL metadata and an S3 artifact store named {@code
   * bucket}.
   */
  String skiff(String... args) {
    if (home == null) {
      home = RemoteHome.create(dir.resolve("project"));
    }
    return home.skiff(args);
  }

  @Test
  void digitsRunsWithOnePodPerStepAfterOneStackSet() {
    skiff(
        "orchestrator",
        "register",
        "k8s",
        "--flavor",
        "kubernetes",
        "--kubernetes-context=fake",
        "--image=" + image,
        "--keep-pods=true");
    skiff("stack", "register", "k8s", "-o", "k8s", "-a", "bucket");
    skiff("stack", "set", "k8s");

    String out = skiff("run", DigitsPipeline.class.getName());

    Matcher runId = Pattern.compile("\\(run (\\S+), 4 steps\\)").matcher(out);
    assertThat(runId.find()).as(out).isTrue();
    String run = runId.group(1);
    assertThat(out).containsPattern("(?m)^importer +\\| Loaded 1797 digits");
    assertThat(out).containsPattern("(?m)^evaluator +\\| Test accuracy: 0\\.9\\d+");
    assertThat(out).containsPattern("(?m)^skew_comparison +\\| ");
    assertThat(out).contains("Run " + run + " succeeded");

    List<PodRecord> pods =
        cluster.podHistory().stream().filter(p -> run.equals(p.label("run"))).toList();
    assertThat(pods).filteredOn(p -> "orchestrator".equals(p.label("skiff.dev/role"))).hasSize(1);
    assertThat(pods)
        .filteredOn(p -> "step".equals(p.label("skiff.dev/role")))
        .extracting(p -> p.label("step"))
        .containsExactlyInAnyOrder("importer", "trainer", "evaluator", "skew_comparison");
    assertThat(
            cluster
                .client()
                .pods()
                .inNamespace("skiff")
                .withLabel("pipeline", "digits")
                .list()
                .getItems())
        .hasSize(5);
    // overlap of trainer and skew_comparison is proven with markers in skiff-kubernetes'
    // KubernetesEndToEndTest; here both are at least started before either's downstream runs
    assertThat(step(pods, "trainer").startedAt()).isBefore(step(pods, "evaluator").startedAt());

    assertThat(skiff("runs", "logs", run, "evaluator")).contains("Test accuracy: 0.9");
  }

  /** The digits pipeline with its image built on a base from the test registry. */
  public static final class BasedDigits extends DelegatingDigits {
    @Override
    public dev.skiff.sdk.PipelineSettings settings() {
      return dev.skiff.sdk.PipelineSettings.newBuilder()
          .setting(
              "container_registry.default",
              java.util.Map.of("baseImage", System.getProperty("skiff.digits.baseImage", "none")))
          .build();
    }
  }

  /** Same steps and name as {@link DigitsPipeline}. */
  public static class DelegatingDigits implements dev.skiff.sdk.PipelineDefinition {
    private final DigitsPipeline digits = new DigitsPipeline();

    @Override
    public String name() {
      return digits.name();
    }

    @Override
    public void define(dev.skiff.sdk.PipelineBuilder p) {
      digits.define(p);
    }
  }

  static ContainerRun step(List<PodRecord> pods, String step) {
    return pods.stream()
        .filter(p -> step.equals(p.label("step")))
        .findFirst()
        .orElseThrow()
        .containers()
        .get(0);
  }
}
