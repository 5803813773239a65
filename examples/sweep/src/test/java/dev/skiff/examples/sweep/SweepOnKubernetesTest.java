package dev.skiff.examples.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.client.RunView;
import dev.skiff.client.SkiffClient;
import dev.skiff.client.StepView;
import dev.skiff.examples.sweep.SweepPipeline.Candidate;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import dev.skiff.testing.containers.JreBaseImage;
import dev.skiff.testing.containers.Podman;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import dev.skiff.testing.registry.RegistryProcess;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep on Kubernetes, as a user runs it: {@code skiff build}, a stack with the kubernetes
 * orchestrator, PostgreSQL metadata and an S3 artifact store, then {@code skiff run}. The test
 * cluster runs the orchestrator and every step in its own pod as a real container, one pod per map
 * instance ({@code train[i]}).
 */
@Timeout(600)
class SweepOnKubernetesTest {
  @TempDir Path dir;
  FakeCluster cluster;
  RegistryProcess registry;
  RemoteHome home;

  /** The registry, the cluster, and a stack {@code k8s} whose pods run the image built here. */
  @BeforeEach
  void startCluster() throws Exception {
    Podman.assumeAvailable();
    registry = RegistryProcess.start(Files.createDirectories(dir.resolve("registry")), false);
    cluster = FakeCluster.builder().containers(Podman.shared()).start();
    cluster
        .client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName("skiff").endMetadata().build())
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    System.setProperty(
        "kubeconfig", cluster.writeKubeconfig(dir.resolve("kubeconfig"), "fake").toString());
    home = RemoteHome.create(dir.resolve("project"));
    String base = JreBaseImage.hostJdk().push(registry).digestReference();
    home.skiff(
        "container-registry",
        "register",
        "reg",
        "--flavor",
        "default",
        "--uri=" + registry.hostPort() + "/team",
        "--insecure=true",
        "--base-image=" + base);
    home.skiff("stack", "register", "build", "-o", "default", "-a", "bucket", "-c", "reg", "--set");
    Matcher pushed =
        Pattern.compile("(\\S+/team/skiff@sha256:[0-9a-f]{64})")
            .matcher(home.skiff("build", SweepPipelineTest.SmallSweep.class.getName()));
    assertThat(pushed.find()).isTrue();
    home.skiff(
        "orchestrator",
        "register",
        "k8s",
        "--flavor",
        "kubernetes",
        "--kubernetes-context=fake",
        "--image=" + pushed.group(1),
        "--keep-pods=true");
    home.skiff("stack", "register", "k8s", "-o", "k8s", "-a", "bucket");
    home.skiff("stack", "set", "k8s");
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

  @Test
  void theSweepRunsOnePodPerTrainerRegistersTheBestModelAndTheHookReportsAFailure() {
    String out = home.skiff("run", SweepPipelineTest.SmallSweep.class.getName());

    Matcher started = Pattern.compile("\\(run (\\S+), 7 steps\\)").matcher(out);
    assertThat(started.find()).as(out).isTrue();
    String runId = started.group(1);
    assertThat(out).contains("Run " + runId + " succeeded");
    assertThat(out).containsPattern("(?m)^train +\\| 4 instances: train\\[0\\] … train\\[3\\]$");
    assertThat(out).containsPattern("(?m)^train\\[3\\] +\\| C=10\\.0 gamma=0\\.5: accuracy 0\\.9");
    assertThat(out).containsPattern("(?m)^train +succeeded +1 +\\S.* +4/4 succeeded$");

    List<PodRecord> pods =
        cluster.podHistory().stream().filter(p -> runId.equals(p.label("run"))).toList();
    List<PodRecord> trainers = pods.stream().filter(p -> "train".equals(p.label("step"))).toList();
    assertThat(trainers)
        .as("one pod per map instance, named <run>-train-<index>-<attempt>")
        .extracting(PodRecord::name)
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, 4).mapToObj(i -> runId + "-train-" + i + "-1").toList());
    assertThat(trainers)
        .extracting(p -> p.label("skiff.dev/map-index"))
        .containsExactlyInAnyOrder("0", "1", "2", "3");
    assertThat(trainers).allSatisfy(p -> assertThat(p.containers().get(0).inContainer()).isTrue());
    assertThat(pods)
        .filteredOn(p -> "step".equals(p.label("skiff.dev/role")))
        .extracting(p -> p.label("step"))
        .containsExactlyInAnyOrder(
            "importer",
            "grid",
            "train",
            "train",
            "train",
            "train",
            "select",
            "good_enough",
            "register"); // the hook did not run: nothing failed
    assertThat(
            cluster
                .client()
                .pods()
                .inNamespace("skiff")
                .withLabel("run", runId)
                .withLabel("step", "train")
                .list()
                .getItems())
        .hasSize(4); // kubectl get pods -l run=RUN,step=train

    try (SkiffClient client = SkiffClient.open(home.project)) {
      RunView run = client.run(runId);
      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      List<Candidate> candidates = run.step("train").outputList(Candidate.class);
      assertThat(candidates).hasSize(4);
      Candidate best =
          candidates.stream().max(Comparator.comparingDouble(Candidate::accuracy)).orElseThrow();
      assertThat(run.step("register").output(String.class))
          .isEqualTo(
              "digits-svm "
                  + best.trial()
                  + " accuracy "
                  + String.format(java.util.Locale.ROOT, "%.4f", best.accuracy()));
      assertThat(best.accuracy()).isGreaterThan(SweepPipeline.THRESHOLD);
      assertThat(run.step("alert").status()).isEqualTo(StepStatus.SKIPPED);
    }

    // a trainer that fails: the run fails and the onFailure hook, in its own pod, reports it
    String failed = home.skiffFailing("run", SweepPipelineTest.BrokenSweep.class.getName());
    Matcher failedRun = Pattern.compile("\\(run (\\S+), 7 steps\\)").matcher(failed);
    assertThat(failedRun.find()).as(failed).isTrue();
    String brokenId = failedRun.group(1);
    try (SkiffClient client = SkiffClient.open(home.project)) {
      RunView run = client.run(brokenId);
      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.step("train[0]").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("importer").status()).isEqualTo(StepStatus.CACHED);
      StepView alert = run.step("alert");
      assertThat(alert.status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(alert.output(String.class))
          .startsWith("#digits-sweep: sweep run " + brokenId + " failed at train")
          .contains("cost and gamma must be positive");
    }
    assertThat(
            cluster.podHistory().stream()
                .filter(p -> brokenId.equals(p.label("run")))
                .filter(p -> "alert".equals(p.label("step"))))
        .hasSize(1);
  }
}
