package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.testing.kubernetes.FakeCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kubernetes orchestrator from the CLI, without a cluster: dry runs and stop. */
class KubernetesCliTest extends CliTestSupport {

  void kubernetesStack(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "orchestrator",
                "register",
                "k8s",
                "--flavor",
                "kubernetes",
                "--image=registry.local/team/skiff:tiny",
                "--kubernetes-namespace=ml"));
    args.addAll(List.of(extra));
    ok(args.toArray(String[]::new));
    ok("stack", "register", "kube", "-o", "k8s", "-a", "default", "--set");
  }

  @Test
  void dryRunPrintsEveryManifestAndCreatesNothing() {
    kubernetesStack();

    Result r = runOk(CliPipelines.Tiny.class, "--dry-run");

    assertThat(r.out())
        .contains(
            "kind: \"ServiceAccount\"",
            "kind: \"Role\"",
            "kind: \"RoleBinding\"",
            "kind: \"Job\"",
            "kind: \"Secret\"",
            "kind: \"Pod\"");
    assertThat(r.out()).contains("namespace: \"ml\"", "image: \"registry.local/team/skiff:tiny\"");
    assertThat(r.out())
        .doesNotContain("jdbc:sqlite"); // store addresses are Secret data, shown as placeholders
    assertThat(ok("runs", "list", "-o", "json").json()).isEmpty();
  }

  @Test
  void dryRunAsJsonWithAGivenServiceAccountHasNoRbac() {
    kubernetesStack("--service-account-name=ml-runner");

    JsonNode manifests = runOk(CliPipelines.Tiny.class, "--dry-run", "-o", "json").json();

    List<String> kinds = new ArrayList<>();
    manifests.forEach(m -> kinds.add(m.get("kind").asText()));
    assertThat(kinds)
        .doesNotContain("ServiceAccount", "Role", "RoleBinding")
        .contains("Job", "Secret", "Pod");
    manifests.forEach(
        m -> {
          if (m.get("kind").asText().equals("Pod")) {
            assertThat(m.at("/spec/serviceAccountName").asText()).isEqualTo("ml-runner");
            assertThat(m.at("/metadata/labels/pipeline").asText()).isNotEmpty();
          }
        });
  }

  @Test
  void setChangesWhatADryRunWouldSend() {
    kubernetesStack("--pod-settings={\"nodeSelector\":{\"pool\":\"ml\"}}");

    JsonNode manifests =
        runOk(
                CliPipelines.Tiny.class,
                "--dry-run",
                "-o",
                "json",
                "--set",
                "orchestrator.kubernetes.podSettings.nodeSelector.disk=ssd",
                "--set",
                "orchestrator.kubernetes.serviceAccountName=runner")
            .json();

    List<String> kinds = new ArrayList<>();
    manifests.forEach(m -> kinds.add(m.get("kind").asText()));
    assertThat(kinds)
        .doesNotContain("ServiceAccount", "Role", "RoleBinding")
        .contains("Job", "Pod");
    manifests.forEach(
        m -> {
          if (m.get("kind").asText().equals("Pod")) {
            assertThat(m.at("/spec/nodeSelector").properties())
                .extracting(e -> e.getKey() + "=" + e.getValue().asText())
                .containsExactlyInAnyOrder("disk=ssd", "pool=ml");
            assertThat(m.at("/spec/serviceAccountName").asText()).isEqualTo("runner");
          }
        });
    // on a kubernetes stack, the local orchestrator's shorthands are ignored, with a warning
    Result local = runOk(CliPipelines.Tiny.class, "--dry-run", "--max-parallelism", "2");
    assertThat(local.errLines())
        .contains(
            "warning: setting 'orchestrator.local' of --max-parallelism is ignored: stack 'kube' uses orchestrator flavor 'kubernetes'");
  }

  @Test
  void dryRunOnTheLocalOrchestratorPrintsThePlan() {
    JsonNode plan = runOk(CliPipelines.Tiny.class, "--dry-run").json();
    assertThat(plan.get("stack").asText()).isEqualTo("default");
    assertThat(plan.get("steps")).isNotEmpty();
  }

  /**
   * A stack that could really schedule (artifacts mounted in pods, PostgreSQL for pods) on a test
   * cluster: {@code --dry-run --schedule} prints the CronJob and its Secret and sends nothing, not
   * even a read; no object, schedule or run exists afterwards. A plain dry run sends nothing
   * either.
   */
  @Test
  void aDryRunWithAScheduleContactsNoClusterAndPrintsTheCronJob() throws Exception {
    try (FakeCluster cluster = FakeCluster.start()) {
      Path kubeconfig = cluster.writeKubeconfig(tmp.resolve("kubeconfig"), "fake");
      System.setProperty("kubeconfig", kubeconfig.toString());
      try {
        ok(
            "artifact-store",
            "register",
            "nfs",
            "--flavor",
            "local",
            "--path=" + tmp.resolve("nfs"),
            "--mounted-in-pods=true");
        ok(
            "orchestrator",
            "register",
            "k8s",
            "--flavor",
            "kubernetes",
            "--kubernetes-context=fake",
            "--kubernetes-namespace=" + cluster.namespace(),
            "--image=registry.local/team/skiff:tiny",
            "--metadata-url=jdbc:postgresql://db.internal:5432/skiff?user=ml");
        ok("stack", "register", "kube", "-o", "k8s", "-a", "nfs", "--set");
        cluster.resetApiRequests();

        Result scheduled =
            runOk(
                CliPipelines.Tiny.class,
                "--dry-run",
                "--schedule",
                "0 3 * * *",
                "--schedule-name",
                "nightly");
        Result once = runOk(CliPipelines.Tiny.class, "--dry-run");

        assertThat(cluster.apiRequests()).as("requests to the API server").isEmpty();
        assertThat(scheduled.out())
            .contains(
                "kind: \"CronJob\"",
                "schedule: \"0 3 * * *\"",
                "kind: \"Secret\"",
                "kind: \"ServiceAccount\"",
                "kind: \"Role\"")
            .doesNotContain("Scheduled pipeline")
            .doesNotContain("db.internal")
            .doesNotContain(tmp.resolve("nfs").toString());
        assertThat(scheduled.out().lines().filter(l -> l.equals("kind: \"Job\"")))
            .as("no orchestrator Job, only its template")
            .isEmpty();
        assertThat(once.out()).contains("kind: \"Job\"").doesNotContain("CronJob");
        JsonNode asJson =
            runOk(CliPipelines.Tiny.class, "--dry-run", "--schedule", "0 3 * * *", "-o", "json")
                .json();
        List<String> kinds = new ArrayList<>();
        asJson.forEach(m -> kinds.add(m.get("kind").asText()));
        assertThat(kinds)
            .contains("CronJob", "Secret", "ServiceAccount", "Role", "RoleBinding")
            .doesNotContain("Job");
        assertThat(cluster.apiRequests()).as("requests to the API server").isEmpty();

        KubernetesClient k8s = cluster.client();
        String ns = cluster.namespace();
        assertThat(k8s.batch().v1().cronjobs().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(k8s.batch().v1().jobs().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(k8s.secrets().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(k8s.rbac().roles().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(k8s.serviceAccounts().inNamespace(ns).list().getItems())
            .extracting(sa -> sa.getMetadata().getName())
            .containsOnly("default");
        assertThat(ok("schedules", "list", "-o", "json").json()).isEmpty();
        assertThat(ok("runs", "list", "-o", "json").json()).isEmpty();

        // a cron expression Kubernetes would refuse (or never fire on) is refused up front, with
        // where it is wrong
        assertOneLineError(
            run(CliPipelines.Tiny.class, "--dry-run", "--schedule", "0 3 * * 8"),
            "invalid cron schedule '0 3 * * 8': column 9, day-of-week '8': value 8 not in range [0, 6]");
        assertOneLineError(
            run(CliPipelines.Tiny.class, "--schedule", "0 25 * * *", "--schedule-name", "nightly"),
            "invalid cron schedule '0 25 * * *': column 3, hour '25': value 25 not in range [0, 23]");
        assertThat(k8s.batch().v1().cronjobs().inNamespace(ns).list().getItems()).isEmpty();

        // a real schedule, then a new cron for it
        runOk(CliPipelines.Tiny.class, "--schedule", "0 3 * * *", "--schedule-name", "nightly");
        assertThat(ok("schedules", "update", "nightly", "--cron", "30 4 * * MON-FRI").out())
            .contains("now fires on 30 4 * * MON-FRI");
        assertThat(k8s.batch().v1().cronjobs().inNamespace(ns).list().getItems())
            .singleElement()
            .satisfies(c -> assertThat(c.getSpec().getSchedule()).isEqualTo("30 4 * * MON-FRI"));
        assertThat(ok("schedules", "list", "-o", "json").json().get(0).get("cron").asText())
            .isEqualTo("30 4 * * MON-FRI");
        assertOneLineError(
            cli("schedules", "update", "nightly", "--cron", "@every 5m"),
            "invalid cron schedule '@every 5m': unknown descriptor '@every 5m'");
        ok("schedules", "delete", "nightly");
      } finally {
        System.clearProperty("kubeconfig");
      }
    }
  }

  @Test
  void stoppingAFinishedOrLocalRunIsRefusedClearly() {
    String runId = runOk(CliPipelines.Tiny.class).runId();

    Result r = cli("runs", "stop", runId);

    assertOneLineError(r, "run " + runId + " has ended already (succeeded)");
  }

  @Test
  void schedulesNeedAnOrchestratorThatCanSchedule() {
    Result r = run(CliPipelines.Tiny.class, "--schedule", "0 3 * * *");

    assertOneLineError(
        r,
        "stack 'default' cannot schedule: this orchestrator cannot schedule runs: use a stack with the kubernetes orchestrator");
    assertThat(ok("schedules", "list", "-o", "json").json()).isEmpty();
    assertOneLineError(
        cli("schedules", "pause", "nightly"), "no schedule 'nightly': see 'skiff schedules list'");
    assertOneLineError(
        run(CliPipelines.Tiny.class, "--schedule", "every night"),
        "cron 'every night' needs 5 fields");
  }

  @Test
  void dryRunAndScheduleRefuseMainClassesInsteadOfRunningThem() {
    assertOneLineError(
        run(CliPipelines.TinyMain.class, "--dry-run"),
        "--dry-run needs a class implementing PipelineDefinition, and "
            + CliPipelines.TinyMain.class.getName()
            + " is a main class");
    assertThat(ok("runs", "list", "-o", "json").json()).isEmpty();
  }

  // ---- stacks that refuse what pods cannot reach (checked before building, pushing or connecting)

  @Test
  void aKubernetesStackWithALocalArtifactFolderIsRefusedBeforeAnythingIsSent() {
    // no kube context exists here: reaching the cluster would fail differently
    kubernetesStack("--kubernetes-context=nowhere");

    Result r = run(CliPipelines.Tiny.class);

    assertOneLineError(r, "stack 'kube' keeps artifacts in file:");
    assertThat(r.err())
        .contains(
            "a folder pods cannot reach: register an s3 artifact store (skiff artifact-store register NAME --flavor s3",
            "skiff stack update kube -a NAME",
            "--mounted-in-pods=true");
    assertThat(ok("runs", "list", "-o", "json").json()).isEmpty();
    assertOneLineError(
        run(CliPipelines.Tiny.class, "--schedule", "0 3 * * *"),
        "stack 'kube' keeps artifacts in file:");
    assertThat(ok("schedules", "list", "-o", "json").json()).isEmpty();
  }

  @Test
  void aFolderDeclaredMountedInPodsPassesButSqliteMetadataIsRefused() {
    ok(
        "artifact-store",
        "register",
        "nfs",
        "--flavor",
        "local",
        "--path=" + tmp.resolve("nfs"),
        "--mounted-in-pods=true");
    ok(
        "orchestrator",
        "register",
        "k8s",
        "--flavor",
        "kubernetes",
        "--image=registry.local/team/skiff:tiny",
        "--kubernetes-context=nowhere");
    ok("stack", "register", "kube", "-o", "k8s", "-a", "nfs", "--set");

    Result r = run(CliPipelines.Tiny.class);

    assertOneLineError(r, "stack 'kube' would record metadata in the SQLite file ");
    assertThat(r.err())
        .contains(
            "which pods cannot reach: point this Skiff home at PostgreSQL (skiff init --metadata-url=jdbc:postgresql://HOST:PORT/DB?user=USER, or SKIFF_METADATA_URL)");
    assertThat(ok("runs", "list", "-o", "json").json()).isEmpty();
  }

  @Test
  void aDryRunWarnsAboutUnreachableStoresAndStillPrintsTheManifests() {
    kubernetesStack("--kubernetes-context=nowhere");

    Result r = run(CliPipelines.Tiny.class, "--dry-run");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out()).contains("kind: \"Job\"", "kind: \"Pod\"");
    assertThat(r.errLines())
        .hasSize(2)
        .allSatisfy(line -> assertThat(line).startsWith("warning: stack 'kube' "));
  }

  @Test
  void stackDescribeShowsTheProblemsARunWouldHit() throws Exception {
    kubernetesStack("--kubernetes-context=nowhere");

    Result r = cli("stack", "describe");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.out())
        .contains(
            "problem: stack 'kube' keeps artifacts in file:",
            "problem: stack 'kube' would record metadata in the SQLite file");
    Result asJson = cli("stack", "describe", "-o", "json");
    assertThat(asJson.exitCode()).isEqualTo(1);
    assertThat(JSON.readTree(asJson.out()).get("problems")).hasSize(2);
    ok("stack", "set", "default");
    assertThat(ok("stack", "describe").out()).contains("Checks: ready");
  }
}
