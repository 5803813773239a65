package dev.skiff.bench;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.engine.RunIds;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.internal.Labels;
import dev.skiff.kubernetes.internal.Manifests;
import dev.skiff.kubernetes.internal.Names;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.kubernetes.ApiRequest;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Kubernetes orchestrator's own cost on the fake cluster, for a random DAG (1000 steps unless
 * given): API requests per step, dispatch latency and the orchestrator's heap. The orchestrator
 * runs as in its pod, in a JVM of its own with {@code -Xmx128m} ({@link DispatchOrchestrator}:
 * DagScheduler + PodLauncher against the fake cluster's API address); this JVM runs the fake
 * cluster, whose step pods use a no-op image that finishes at once, so the figures are the
 * orchestrator's, not the steps'. This is the one place that keeps the test cluster's host-process
 * shortcut (the no-op image is registered, not pulled): a real container per step would measure
 * podman, not Skiff; {@code StepStartupBench} measures the cost of a real step container.
 *
 * <p>Run: {@code ./mvnw -q -pl bench -am package -DskipTests && java -cp
 * "bench/target/skiff-bench.jar:bench/target/lib/*" dev.skiff.bench.KubernetesDispatchBench [STEPS
 * [ORCHESTRATOR_XMX]]}
 */
public final class KubernetesDispatchBench {
  private static final String IMAGE = "registry.local/skiff:noop";
  private static final String NS = "skiff";

  private KubernetesDispatchBench() {}

  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    String heap = args.length > 1 ? args[1] : "128m";
    Path dir = Files.createTempDirectory("skiff-k8s-bench");
    try (FakeCluster cluster = FakeCluster.start()) {
      cluster.images().registerNoOp(IMAGE);
      if (cluster.client().namespaces().withName(NS).get() == null) {
        cluster
            .client()
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
            .create();
      }
      cluster
          .client()
          .serviceAccounts()
          .inNamespace(NS)
          .resource(
              new ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("default")
                  .endMetadata()
                  .build())
          .createOr(NonDeletingOperation::update);
      var artifacts = new LocalArtifactStore(dir.resolve("artifacts"));
      RunPlan plan =
          new PlanCompiler(Materializers.load(KubernetesDispatchBench.class.getClassLoader()))
              .compile(
                  new SchedulerBench.RandomDag(steps),
                  PipelineSettings.newBuilder().enableCache(false).build());
      String runId = RunIds.newId(plan.pipeline());
      try (MetadataStore store = MetadataStores.sqlite(dir.resolve("skiff.db"))) {
        store.createRun(
            new RunRecord(
                runId,
                plan.pipeline(),
                RunStatus.RUNNING,
                "kubernetes",
                plan.hash(),
                plan.toJson(),
                Instant.now(),
                null,
                null));
      }
      // what the client creates before the orchestrator Job: the run Secret the step pods read
      cluster
          .client()
          .secrets()
          .inNamespace(NS)
          .resource(
              new Manifests(NS, List.of(), IMAGE)
                  .runSecret(
                      runId,
                      plan.pipeline(),
                      new StoreAccess(
                          "jdbc:sqlite:" + dir.resolve("skiff.db"), null, artifacts.uri())))
          .create();
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"), "fake");
      cluster.resetApiRequests();

      long start = System.nanoTime();
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx" + heap);
      // e.g. -Dbench.orchestratorJvmArgs=-XX:StartFlightRecording=filename=o.jfr to profile it
      String extra = System.getProperty("bench.orchestratorJvmArgs", "").trim();
      if (!extra.isEmpty()) {
        command.addAll(List.of(extra.split("\\s+")));
      }
      command.addAll(
          List.of(
              "-Dkubeconfig=" + kubeconfig,
              "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
              "-cp",
              System.getProperty("java.class.path"),
              DispatchOrchestrator.class.getName(),
              dir.toString(),
              runId,
              NS,
              IMAGE));
      Process orchestrator = new ProcessBuilder(command).inheritIO().start();
      int exit = orchestrator.waitFor();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (exit != 0) {
        try (MetadataStore store = MetadataStores.sqlite(dir.resolve("skiff.db"))) {
          throw new IllegalStateException(
              "the orchestrator JVM exited "
                  + exit
                  + "; run: "
                  + store.findRun(runId).map(r -> r.status() + " " + r.error()).orElse("none"));
        }
      }
      // the orchestrator's requests, without the two of the bench's own timing informer
      List<ApiRequest> requests =
          cluster.apiRequests().stream()
              .filter(r -> !r.query().contains("skiff.dev%2Frole%3Dstep"))
              .toList();
      Map<String, Long> byKind =
          requests.stream()
              .collect(
                  Collectors.groupingBy(
                      r ->
                          r.method()
                              + (r.watch() ? " watch" : "")
                              + " "
                              + r.path().replaceAll("/pods/[^/]+", "/pods/NAME"),
                      Collectors.counting()));

      Map<String, PodRecord> pods =
          cluster.podHistory().stream()
              .filter(p -> Names.labelValue(runId).equals(p.label(Labels.RUN_SELECTOR)))
              .collect(Collectors.toMap(p -> p.label(Labels.STEP), p -> p, (a, b) -> a));
      List<Double> latencies = new ArrayList<>();
      for (PlanStep step : plan.steps()) {
        if (step.upstream().isEmpty()) {
          continue;
        }
        Instant lastUpstream =
            step.upstream().stream()
                .map(u -> pods.get(Names.labelValue(u)).finishedAt())
                .max(Instant::compareTo)
                .orElseThrow();
        latencies.add(
            Duration.between(lastUpstream, pods.get(Names.labelValue(step.name())).createdAt())
                    .toNanos()
                / 1e6);
      }
      Collections.sort(latencies);
      long left =
          cluster.pods(NS).stream()
              .filter(p -> runId.equals(p.getMetadata().getLabels().get(Labels.RUN_SELECTOR)))
              .count();
      System.out.printf(
          "steps: %d, wall time %.2f s, pods %d (%d left after the run)%n",
          steps, seconds, pods.size(), left);
      System.out.printf(
          "dispatch end to end (kubelet marks the upstream pod Succeeded -> downstream pod"
              + " created, through the fake API server and its watch): p50 %.1f ms, p99 %.1f ms%n",
          pct(latencies, 0.50), pct(latencies, 0.99));
      System.out.printf(
          "API requests of the orchestrator: %d in all, %.2f per step%n",
          requests.size(), requests.size() / (double) steps);
      byKind.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(8)
          .forEach(e -> System.out.printf("  %6d  %s%n", e.getValue(), e.getKey()));
    } finally {
      deleteRecursively(dir);
    }
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static double pct(List<Double> sorted, double q) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size())));
  }
}
