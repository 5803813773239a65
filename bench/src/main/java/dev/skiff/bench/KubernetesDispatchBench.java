package dev.skiff.bench;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.DagScheduler;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.engine.RunIds;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.PodSettings;
import dev.skiff.kubernetes.internal.Manifests;
import dev.skiff.kubernetes.internal.PodLauncher;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
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
 * The Kubernetes orchestrator's own cost on the fake cluster, for a 200-step random DAG: dispatch
 * latency (an upstream pod Succeeded → its downstream pod created) and API requests per step. The
 * orchestrator (DagScheduler + PodLauncher, as in the orchestrator pod) runs in this JVM; step pods
 * use a no-op image that finishes at once, so the figures are the orchestrator's, not the steps'.
 * This is the one place that keeps the test cluster's host-process shortcut (the no-op image is
 * registered, not pulled): a real container per step would measure podman, not Skiff; {@code
 * StepStartupBench} measures the cost of a real step container.
 *
 * <p>For 1000 steps in a small orchestrator: {@code java -Xmx128m -cp ... KubernetesDispatchBench
 * 1000}; it prints the peak heap too.
 *
 * <p>Run: {@code ./mvnw -q -pl bench -am package -DskipTests && java -cp
 * "bench/target/skiff-bench.jar:bench/target/lib/*" dev.skiff.bench.KubernetesDispatchBench}
 */
public final class KubernetesDispatchBench {
  private static final String IMAGE = "registry.local/skiff:noop";

  private KubernetesDispatchBench() {}

  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Path dir = Files.createTempDirectory("skiff-k8s-bench");
    try (FakeCluster cluster = FakeCluster.start();
        MetadataStore store = MetadataStores.sqlite(dir.resolve("skiff.db"))) {
      cluster.images().registerNoOp(IMAGE);
      if (cluster.client().namespaces().withName("skiff").get() == null) {
        cluster
            .client()
            .namespaces()
            .resource(
                new NamespaceBuilder().withNewMetadata().withName("skiff").endMetadata().build())
            .create();
      }
      var artifacts = new LocalArtifactStore(dir.resolve("artifacts"));
      PlanCompiler compiler =
          new PlanCompiler(Materializers.load(KubernetesDispatchBench.class.getClassLoader()));
      RunPlan plan =
          compiler.compile(
              new SchedulerBench.RandomDag(steps),
              PipelineSettings.newBuilder().enableCache(false).build());
      var config =
          new KubernetesOrchestratorConfig(
              null,
              "skiff",
              "default",
              true,
              IMAGE,
              null,
              0,
              false,
              Duration.ofMinutes(2),
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null);
      cluster
          .client()
          .serviceAccounts()
          .inNamespace("skiff")
          .resource(
              new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("default")
                  .endMetadata()
                  .build())
          .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);

      String runId = RunIds.newId(plan.pipeline());
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
      cluster
          .client()
          .secrets()
          .inNamespace("skiff")
          .resource(
              new Manifests(config, IMAGE)
                  .runSecret(
                      runId,
                      plan.pipeline(),
                      new dev.skiff.core.spi.StoreAccess(
                          "jdbc:sqlite:" + dir.resolve("skiff.db"), null, artifacts.uri())))
          .create();
      cluster.resetApiRequests();
      var options =
          new PodLauncher.Options(
              "skiff",
              runId,
              null,
              s -> PodSettings.EMPTY,
              "default",
              config.podStartupTimeout(),
              false,
              0);
      long start = System.nanoTime();
      RunStatus status;
      Map<String, Instant> succeededSeen = new java.util.concurrent.ConcurrentHashMap<>();
      Map<String, Instant> startedAt = new java.util.concurrent.ConcurrentHashMap<>();
      RunListener timing =
          e -> {
            if (e instanceof dev.skiff.core.spi.RunEvent.StepSucceeded s) {
              succeededSeen.put(s.step(), Instant.now());
            } else if (e instanceof dev.skiff.core.spi.RunEvent.StepStarted s) {
              startedAt.put(s.step(), Instant.now());
            }
          };
      try (PodLauncher launcher =
          new PodLauncher(cluster.client(), store, new Manifests(config, IMAGE), options)) {
        status = new DagScheduler(store, launcher, timing, artifacts).run(plan, runId);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (status != RunStatus.SUCCEEDED) {
        throw new IllegalStateException(
            "benchmark run ended " + status + ": " + store.findRun(runId).orElseThrow().error());
      }
      long requests = cluster.apiRequests().size();
      Map<String, Long> byKind =
          cluster.apiRequests().stream()
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
              .filter(p -> runId.equals(p.label("run")))
              .collect(Collectors.toMap(p -> p.label("step"), p -> p, (a, b) -> a));
      List<Double> latencies = new ArrayList<>();
      List<Double> internal = new ArrayList<>();
      List<Double> watchDelivery = new ArrayList<>();
      for (PlanStep step : plan.steps()) {
        if (step.upstream().isEmpty()) {
          continue;
        }
        Instant lastUpstream =
            step.upstream().stream()
                .map(u -> pods.get(u).finishedAt())
                .max(Instant::compareTo)
                .orElseThrow();
        latencies.add(
            Duration.between(lastUpstream, pods.get(step.name()).createdAt()).toNanos() / 1e6);
        Instant lastSeen =
            step.upstream().stream().map(succeededSeen::get).max(Instant::compareTo).orElseThrow();
        internal.add(Duration.between(lastSeen, startedAt.get(step.name())).toNanos() / 1e6);
      }
      for (PlanStep step : plan.steps()) {
        watchDelivery.add(
            Duration.between(pods.get(step.name()).finishedAt(), succeededSeen.get(step.name()))
                    .toNanos()
                / 1e6);
      }
      Collections.sort(latencies);
      Collections.sort(internal);
      Collections.sort(watchDelivery);
      System.out.printf("steps: %d, wall time %.2f s, pods %d%n", steps, seconds, pods.size());
      System.out.printf(
          "dispatch latency (upstream Succeeded -> downstream pod created): p50 %.1f ms, p99 %.1f ms, max %.1f ms (goal p50 <= 20, p99 <= 100)%n",
          pct(latencies, 0.50), pct(latencies, 0.99), latencies.get(latencies.size() - 1));
      System.out.printf(
          "  of which in the orchestrator (upstream success seen -> downstream launched): p50 %.2f ms, p99 %.2f ms%n",
          pct(internal, 0.5), pct(internal, 0.99));
      System.out.printf(
          "  of which watch delivery (kubelet marks Succeeded -> orchestrator sees it): p50 %.1f ms, p99 %.1f ms%n",
          pct(watchDelivery, 0.5), pct(watchDelivery, 0.99));
      System.out.printf(
          "API requests: %d in all, %.2f per step%n", requests, requests / (double) steps);
      byKind.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(8)
          .forEach(e -> System.out.printf("  %6d  %s%n", e.getValue(), e.getKey()));
      long peakHeap = 0;
      for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getPeakUsage() != null) {
          peakHeap += pool.getPeakUsage().getUsed();
        }
      }
      System.out.printf(
          "orchestrator JVM peak heap (sum of pool peaks, this JVM also runs the test cluster): %.1f MiB of -Xmx %.0f MiB%n",
          peakHeap / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
    }
  }

  private static double pct(List<Double> sorted, double q) {
    return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size())));
  }
}
