package dev.skiff.examples.digits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import dev.skiff.testing.postgres.PostgresServer;
import dev.skiff.testing.s3.S3Server;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flagship pipeline on the remote stores a cluster needs, driven through the CLI as a user
 * would: metadata on PostgreSQL (embedded binaries), artifacts in S3 (s3proxy in-process), first
 * with the local orchestrator, then with one pod per step on the test cluster.
 */
@Timeout(300)
class DigitsOnRemoteStoresTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  RemoteHome home;
  Path project;
  String bucket;

  @BeforeEach
  void remoteHome() {
    home = RemoteHome.create(dir.resolve("project"));
    project = home.project;
    bucket = home.bucket;
  }

  @Test
  void digitsRunsLocallyOnS3AndPostgresAndTheSecondRunIsAllCachedFromS3() throws Exception {
    skiffOk("stack", "register", "remote", "-o", "default", "-a", "bucket", "--set");

    String first = skiffOk("run", DigitsPipeline.class.getName());
    assertThat(first).containsPattern("(?m)^evaluator +\\| Test accuracy: 0\\.9\\d+");
    String second = skiffOk("run", DigitsPipeline.class.getName());
    String secondRun = runId(second);

    for (String step : List.of("importer", "trainer", "evaluator", "skew_comparison")) {
      assertThat(second).containsPattern("(?m)^" + step + " +\\| cached");
    }
    // nothing went to the home's folder: every artifact and log is an object in the bucket
    assertThat(files(project.resolve(".skiff/artifacts"))).isEmpty();
    assertThat(Files.exists(project.resolve(".skiff/skiff.db"))).isFalse();
    // the cached run's model is read back from S3, checked against its content hash
    JsonNode model = artifact(secondRun, "trainer", "output");
    Path saved = dir.resolve("model.bin");
    skiffOk("artifacts", "show", model.get("id").asText(), "--save", saved.toString());
    assertThat(Files.readAllBytes(saved))
        .isEqualTo(
            Files.readAllBytes(
                S3Server.shared().objectFile(bucket, "skiff/" + model.get("path").asText())));
    assertThat(skiffOk("runs", "logs", runId(first), "evaluator")).contains("Test accuracy: 0.9");
  }

  @Test
  void digitsRunsOnTheTestClusterWithS3AndPostgresAndNoPodSeesTheClientsDisk() throws Exception {
    dev.skiff.testing.containers.Podman.assumeAvailable();
    try (var registry =
            dev.skiff.testing.registry.RegistryProcess.start(
                Files.createDirectories(dir.resolve("registry")), false);
        FakeCluster cluster =
            FakeCluster.builder()
                .containers(dev.skiff.testing.containers.Podman.shared())
                .start()) {
      String base =
          dev.skiff.testing.containers.JreBaseImage.hostJdk().push(registry).digestReference();
      cluster
          .client()
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName("skiff").endMetadata().build())
          .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
      System.setProperty(
          "kubeconfig", cluster.writeKubeconfig(dir.resolve("kubeconfig"), "fake").toString());
      String out;
      try {
        skiffOk(
            "orchestrator",
            "register",
            "k8s",
            "--flavor",
            "kubernetes",
            "--kubernetes-context=fake",
            "--keep-pods=true");
        skiffOk(
            "container-registry",
            "register",
            "reg",
            "--flavor",
            "default",
            "--uri=" + registry.hostPort() + "/team",
            "--insecure=true",
            "--base-image=" + base);
        skiffOk("stack", "register", "k8s", "-o", "k8s", "-a", "bucket", "-c", "reg", "--set");
        assertThat(skiffOk("stack", "describe")).contains("Checks: ready");

        out = skiffOk("run", DigitsPipeline.class.getName());
      } finally {
        System.clearProperty("kubeconfig");
      }

      String run = runId(out);
      assertThat(out)
          .containsPattern("(?m)^evaluator +\\| Test accuracy: 0\\.9\\d+")
          .contains("Run " + run + " succeeded");
      List<PodRecord> records =
          cluster.podHistory().stream().filter(p -> run.equals(p.label("run"))).toList();
      assertThat(records)
          .extracting(p -> p.label("step"))
          .contains("importer", "trainer", "evaluator", "skew_comparison");
      List<Pod> pods =
          cluster
              .client()
              .pods()
              .inNamespace("skiff")
              .withLabel("pipeline", "digits")
              .list()
              .getItems();
      assertThat(pods).hasSize(5);
      String password = PostgresServer.shared().password();
      for (Pod pod : pods) {
        List<String> seen = new ArrayList<>();
        var container = pod.getSpec().getContainers().get(0);
        container.getEnv().stream().map(EnvVar::getValue).filter(v -> v != null).forEach(seen::add);
        if (container.getArgs() != null) {
          seen.addAll(container.getArgs());
        }
        if (container.getCommand() != null) {
          seen.addAll(container.getCommand());
        }
        for (Volume v : pod.getSpec().getVolumes()) {
          assertThat(v.getHostPath())
              .as("hostPath volume %s of %s", v.getName(), pod.getMetadata().getName())
              .isNull();
        }
        assertThat(seen)
            .as("env values and args of %s", pod.getMetadata().getName())
            .noneSatisfy(v -> assertThat(v).contains(dir.toString()))
            .noneSatisfy(v -> assertThat(v).contains(password));
        String podJson = Serialization.asJson(pod);
        assertThat(podJson).doesNotContain(password, S3Server.SECRET_KEY + "\"", dir.toString());
        assertThat(pod.getMetadata().getLabels().values())
            .noneSatisfy(v -> assertThat(v).contains(password));
      }
      // nor in what the client printed, the saved step logs or the stored plan
      assertThat(out).doesNotContain(password);
      for (String step : List.of("importer", "trainer", "evaluator", "skew_comparison")) {
        assertThat(skiffOk("runs", "logs", run, step)).doesNotContain(password);
      }
      assertThat(skiffOk("runs", "describe", run, "-o", "json")).doesNotContain(password);
      assertThat(files(project.resolve(".skiff/artifacts"))).isEmpty();
    }
  }

  private JsonNode artifact(String run, String step, String name) throws Exception {
    for (JsonNode a : JSON.readTree(skiffOk("artifacts", "list", "--run", run, "-o", "json"))) {
      if (a.get("step").asText().equals(step) && a.get("name").asText().equals(name)) {
        return a;
      }
    }
    throw new AssertionError("no artifact " + step + "." + name + " in run " + run);
  }

  private static String runId(String out) {
    Matcher m = Pattern.compile("\\(run (\\S+), 4 steps\\)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1);
  }

  private static List<Path> files(Path folder) throws Exception {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(folder)) {
      return all.filter(Files::isRegularFile).toList();
    }
  }

  private String skiffOk(String... args) {
    return home.skiff(args);
  }
}
