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
import dev.skiff.testing.kubernetes.ApiRequest;
import dev.skiff.testing.kubernetes.FakeCluster;
import dev.skiff.testing.kubernetes.PodRecord;
import dev.skiff.testing.postgres.PostgresServer;
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
    List<String> positional = new ArrayList<>();
    String metadata = "sqlite";
    for (String arg : args) {
      if (arg.startsWith("--metadata=")) {
        metadata = arg.substring("--metadata=".length());
      } else {
        positional.add(arg);
      }
    }
    if (!metadata.equals("sqlite") && !metadata.equals("postgres")) {
      throw new IllegalArgumentException(
          "unknown metadata store " + metadata + ": use --metadata=sqlite|postgres");
    }
    int steps = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 1000;
    String heap = positional.size() > 1 ? positional.get(1) : "128m";
    CpuSplit.pinThisJvm();
    Path dir = Files.createTempDirectory("skiff-k8s-bench");
    // PostgreSQL from embedded binaries, with durable commits as a production server has them
    try (PostgresServer postgres =
            metadata.equals("postgres")
                ? PostgresServer.start(Map.of("synchronous_commit", "on"))
                : null;
        FakeCluster cluster = FakeCluster.start()) {
      String metadataUrl =
          postgres == null ? "jdbc:sqlite:" + dir.resolve("skiff.db") : postgres.newDatabase();
      String password = postgres == null ? null : postgres.password();
      if (postgres != null) {
        CpuSplit.pinPostgres(metadataUrl, password);
      }
      System.out.println("metadata store: " + (postgres == null ? "SQLite" : "PostgreSQL"));
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
      try (MetadataStore store = DispatchOrchestrator.openStore(metadataUrl, password)) {
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
                      new StoreAccess(metadataUrl, password, artifacts.uri())))
          .create();
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"), "fake");
      cluster.resetApiRequests();

      long start = System.nanoTime();
      List<String> command = new ArrayList<>();
      command.addAll(CpuSplit.orchestratorPrefix());
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
              IMAGE,
              metadataUrl));
      ProcessBuilder process = new ProcessBuilder(command).inheritIO();
      if (password != null) {
        process.environment().put(StoreAccess.METADATA_PASSWORD_ENV, password);
      }
      // the JVM options of the orchestrator pod (Manifests), unless the bench's caller set others
      process
          .environment()
          .putIfAbsent(
              Manifests.ORCHESTRATOR_JVM_OPTIONS.getName(),
              Manifests.ORCHESTRATOR_JVM_OPTIONS.getValue());
      Process orchestrator = process.start();
      int exit = orchestrator.waitFor();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (exit != 0) {
        try (MetadataStore store = DispatchOrchestrator.openStore(metadataUrl, password)) {
          throw new IllegalStateException(
              "the orchestrator JVM exited "
                  + exit
                  + "; run: "
                  + store.findRun(runId).map(r -> r.status() + " " + r.error()).orElse("none"));
        }
      }
      List<ApiRequest> requests = cluster.apiRequests();
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
      System.out.printf(
          "connections (TLS handshakes) to the API address: %d%n", cluster.apiConnections());
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

  /**
   * The orchestrator on a core of its own, the fake cluster (API server, kubelet) on the others: on
   * a cluster they run on different machines, and sharing two cores measured the fake cluster's
   * load rather than the orchestrator (dispatch p50 12.9 ms shared, ~5 ms split). {@code
   * -Dbench.cpuSplit=false}, a machine with one CPU or no {@code taskset}: everything shares.
   */
  static final class CpuSplit {
    private static final int CPUS = Runtime.getRuntime().availableProcessors();
    private static final boolean ON =
        CPUS >= 2
            && Boolean.parseBoolean(System.getProperty("bench.cpuSplit", "true"))
            && Files.isExecutable(Path.of("/usr/bin/taskset"));

    /** Pins every thread of this JVM, and those it starts later, to all CPUs but the last. */
    static void pinThisJvm() throws java.io.IOException, InterruptedException {
      if (!ON) {
        System.out.println("CPU split: off (all processes share the machine's CPUs)");
        return;
      }
      String others = CPUS == 2 ? "0" : "0-" + (CPUS - 2);
      Process taskset =
          new ProcessBuilder(
                  "taskset",
                  "-a",
                  "-p",
                  "-c",
                  others,
                  String.valueOf(ProcessHandle.current().pid()))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (taskset.waitFor() != 0) {
        throw new IllegalStateException("taskset could not pin the bench's JVM to CPUs " + others);
      }
      System.out.printf(
          "CPU split: fake cluster on CPUs %s, orchestrator on CPU %d%n", others, CPUS - 1);
    }

    /**
     * Moves the PostgreSQL server (its postmaster and every process of it, and so the backends it
     * forks later) to the orchestrator's CPU. On a cluster the database is a machine of its own;
     * here the fake cluster keeps its CPU busy, and each query waited behind it (3-4 ms a round
     * trip, dispatch p99 436 ms); beside the orchestrator, whose core is three quarters idle, the
     * database's work is counted against the orchestrator instead, which errs on its side.
     */
    static void pinPostgres(String url, String password) throws Exception {
      if (!ON) {
        return;
      }
      long backend;
      try (var connection =
              java.sql.DriverManager.getConnection(url, PostgresServer.USER, password);
          var query = connection.createStatement().executeQuery("SELECT pg_backend_pid()")) {
        query.next();
        backend = query.getLong(1);
      }
      ProcessHandle postmaster =
          ProcessHandle.of(backend)
              .flatMap(ProcessHandle::parent)
              .orElseThrow(() -> new IllegalStateException("no PostgreSQL postmaster found"));
      List<ProcessHandle> processes = new ArrayList<>(postmaster.descendants().toList());
      processes.add(postmaster);
      for (ProcessHandle process : processes) {
        new ProcessBuilder(
                "taskset",
                "-a",
                "-p",
                "-c",
                String.valueOf(CPUS - 1),
                String.valueOf(process.pid()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor();
      }
      System.out.printf(
          "PostgreSQL (%d processes) on CPU %d, beside the orchestrator%n",
          processes.size(), CPUS - 1);
    }

    static List<String> orchestratorPrefix() {
      return ON ? List.of("taskset", "-c", String.valueOf(CPUS - 1)) : List.of();
    }
  }
}
