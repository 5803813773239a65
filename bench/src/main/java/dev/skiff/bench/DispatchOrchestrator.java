package dev.skiff.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.DagScheduler;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.LaunchedStep;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.StepLaunch;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.PodSettings;
import dev.skiff.kubernetes.internal.Labels;
import dev.skiff.kubernetes.internal.Manifests;
import dev.skiff.kubernetes.internal.Names;
import dev.skiff.kubernetes.internal.PodLauncher;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the orchestrator pod does, in a JVM of its own (started by {@link KubernetesDispatchBench}
 * with {@code -Xmx128m}): the {@link DagScheduler} walks the run's plan with a {@link PodLauncher}
 * against the fake cluster's API address, as {@code OrchestratorMain} does with the in-cluster
 * client (here a kubeconfig, and no API rate limit, so the figures are the orchestrator's own). It
 * prints the dispatch latency inside this JVM — an upstream pod seen Succeeded by the launcher's
 * informer ({@link PodLauncher#onPodSeen}, no second watch) → the create request of its
 * last-waiting downstream pod sent — with its parts, and its heap. {@code -Dbench.threadCpu=true}
 * adds the CPU time of each thread (sampled from /proc, which costs the orchestrator's core about 2
 * %).
 *
 * <p>Args: {@code DIR RUN_ID NAMESPACE IMAGE [METADATA_URL]}; the kubeconfig comes from {@code
 * -Dkubeconfig} (context {@code fake}), the artifact folder and the SQLite store (unless {@code
 * METADATA_URL} names another, its password in {@code SKIFF_METADATA_PASSWORD}) from {@code DIR}.
 */
public final class DispatchOrchestrator {
  private DispatchOrchestrator() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String runId = args[1];
    String namespace = args[2];
    String image = args[3];
    boolean threadCpu = Boolean.getBoolean("bench.threadCpu");
    if (threadCpu) {
      ThreadTimes.start();
    }
    CreateTimes created = new CreateTimes();
    Map<String, Long> succeededSeen = new ConcurrentHashMap<>();
    Map<String, Long> succeededEvent = new ConcurrentHashMap<>();
    Map<String, Long> startedEvent = new ConcurrentHashMap<>();
    Map<String, Long> launchCalled = new ConcurrentHashMap<>();
    Map<String, Long> resultDone = new ConcurrentHashMap<>();
    List<Double> launchTook = Collections.synchronizedList(new ArrayList<>());
    RunListener events =
        e -> {
          if (e instanceof RunEvent.StepSucceeded s) {
            succeededEvent.putIfAbsent(Names.labelValue(s.step()), System.nanoTime());
          } else if (e instanceof RunEvent.StepStarted s) {
            startedEvent.putIfAbsent(Names.labelValue(s.step()), System.nanoTime());
          }
        };
    RunStatus status;
    RunPlan plan;
    String metadataUrl = args.length > 4 ? args[4] : "jdbc:sqlite:" + dir.resolve("skiff.db");
    try (MetadataStore store =
            StoreTimes.timed(
                openStore(metadataUrl, System.getenv(StoreAccess.METADATA_PASSWORD_ENV)));
        KubernetesClient client =
            new KubernetesClientBuilder()
                .withConfig(Config.autoConfigure("fake"))
                .withHttpClientBuilderConsumer(
                    http -> http.addOrReplaceInterceptor("bench-create-times", created))
                .build()) {
      plan = RunPlan.fromJson(store.findRun(runId).orElseThrow().planJson());
      var options =
          PodLauncher.Options.newBuilder(namespace, runId)
              .podSettings(step -> PodSettings.EMPTY, Duration.ofMinutes(2))
              .build();
      try (PodLauncher launcher =
          new PodLauncher(client, store, new Manifests(namespace, List.of(), image), options)) {
        launcher.onPodSeen(
            pod -> {
              if (pod.getStatus() != null && "Succeeded".equals(pod.getStatus().getPhase())) {
                succeededSeen.putIfAbsent(
                    pod.getMetadata().getLabels().get(Labels.STEP), System.nanoTime());
              }
            });
        StepLauncher timed =
            new StepLauncher() {
              @Override
              public LaunchedStep launch(StepLaunch launch) {
                String name = Names.labelValue(launch.step().name());
                launchCalled.putIfAbsent(name, System.nanoTime());
                long t0 = System.nanoTime();
                LaunchedStep launched = launcher.launch(launch);
                launchTook.add((System.nanoTime() - t0) / 1e6);
                launched
                    .result()
                    .whenComplete((outs, e) -> resultDone.putIfAbsent(name, System.nanoTime()));
                return launched;
              }

              @Override
              public int maxParallelism() {
                return launcher.maxParallelism();
              }
            };
        status =
            new DagScheduler(store, timed, events, new LocalArtifactStore(dir.resolve("artifacts")))
                .run(plan, runId);
      }
    }
    Stages stages = new Stages();
    for (PlanStep step : plan.steps()) {
      String name = Names.labelValue(step.name());
      if (step.upstream().isEmpty() || !created.at.containsKey(name)) {
        continue;
      }
      // the upstream step that was seen last is the one that made this step ready
      String last = null;
      for (String upstream : step.upstream()) {
        String u = Names.labelValue(upstream);
        if (succeededSeen.containsKey(u)
            && (last == null || succeededSeen.get(u) > succeededSeen.get(last))) {
          last = u;
        }
      }
      if (last != null) {
        stages.add(
            succeededSeen.get(last),
            resultDone.get(last),
            succeededEvent.get(last),
            startedEvent.get(name),
            launchCalled.get(name),
            created.at.get(name));
      }
    }
    stages.print(status);
    System.out.printf(
        "  PodLauncher.launch on the scheduler's thread (pod built, handed to a worker): %s%n",
        Stages.describe(launchTook));
    StoreTimes.print();
    if (threadCpu) {
      ThreadTimes.print();
    }
    printHeap();
    System.exit(status == RunStatus.SUCCEEDED ? 0 : 1);
  }

  /** The metadata store at {@code url}: SQLite ({@code jdbc:sqlite:FILE}) or PostgreSQL. */
  static MetadataStore openStore(String url, String password) {
    return url.startsWith("jdbc:sqlite:")
        ? MetadataStores.sqlite(Path.of(url.substring("jdbc:sqlite:".length())))
        : MetadataStores.postgres(url, password);
  }

  /**
   * Peak heap of this JVM two ways: the sum of the heap pools' peak usage over the whole run
   * ({@link MemoryPoolMXBean#getPeakUsage}; garbage included, and the pools peak at different
   * times, so an upper bound) and the heap in use after a final full GC (what the run still holds).
   */
  private static void printHeap() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.gc();
    System.gc();
    long live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long cpuNanos =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    System.out.printf(
        "orchestrator JVM CPU time: %.1f s in %.1f s since start (JIT compilers: %.1f s)%n",
        cpuNanos / 1e9,
        ManagementFactory.getRuntimeMXBean().getUptime() / 1e3,
        ManagementFactory.getCompilationMXBean().getTotalCompilationTime() / 1e3);
    System.out.printf(
        "orchestrator JVM heap: peak %.1f MiB (sum of the heap pools' peak usage,"
            + " MemoryPoolMXBean), %.1f MiB in use after a final full GC, -Xmx %.0f MiB%n",
        peak / 1048576.0, live / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
  }

  /** Dispatch latency and its parts, in ms. */
  static final class Stages {
    final List<Double> total = new ArrayList<>();
    final List<List<Double>> parts =
        List.of(
            new ArrayList<>(),
            new ArrayList<>(),
            new ArrayList<>(),
            new ArrayList<>(),
            new ArrayList<>());
    static final List<String> PART_NAMES =
        List.of(
            "seen -> the launcher completed the step (outputs read)",
            "-> the scheduler recorded it succeeded (status written)",
            "-> downstream step started (scheduler, its attempt written)",
            "-> launch called (step log opened)",
            "-> its pod's create request sent (pod built, sent by a worker thread)");

    /** The times of one dispatch, in order; null where an event was not seen. */
    void add(Long... times) {
      total.add((times[times.length - 1] - times[0]) / 1e6);
      if (java.util.Arrays.stream(times).allMatch(java.util.Objects::nonNull)) {
        for (int i = 1; i < times.length; i++) {
          parts.get(i - 1).add((times[i] - times[i - 1]) / 1e6);
        }
      }
    }

    void print(RunStatus status) {
      System.out.printf(
          "orchestrator JVM: run %s; dispatch inside it (upstream pod seen Succeeded by the"
              + " informer -> downstream pod's create request sent), %d steps: %s (goal p50 <= 5,"
              + " p99 <= 50)%n",
          status, total.size(), describe(total));
      for (int i = 0; i < parts.size(); i++) {
        System.out.printf("  %s: %s%n", PART_NAMES.get(i), describe(parts.get(i)));
      }
    }

    static String describe(List<Double> values) {
      List<Double> sorted = new ArrayList<>(values);
      Collections.sort(sorted);
      return String.format(
          "p50 %.2f ms, p99 %.2f ms, mean %.2f ms",
          KubernetesDispatchBench.pct(sorted, 0.5),
          KubernetesDispatchBench.pct(sorted, 0.99),
          sorted.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
    }
  }

  /** When each step pod's create request was sent (by step label), first attempt only. */
  static final class CreateTimes implements Interceptor {
    private static final ObjectMapper JSON = new ObjectMapper();
    final Map<String, Long> at = new ConcurrentHashMap<>();

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      if (!"POST".equals(request.method()) || !request.uri().getPath().endsWith("/pods")) {
        return;
      }
      long now = System.nanoTime();
      try {
        JsonNode labels = JSON.readTree(request.bodyString()).path("metadata").path("labels");
        at.putIfAbsent(labels.path(Labels.STEP).asText(), now);
      } catch (java.io.IOException e) {
        // not a pod body: not a step's creation
      }
    }
  }

  /** Time spent in each metadata store method, by thread kind (diagnostic). */
  static final class StoreTimes {
    static final Map<String, long[]> TIMES = new ConcurrentHashMap<>();

    static MetadataStore timed(MetadataStore store) {
      return (MetadataStore)
          java.lang.reflect.Proxy.newProxyInstance(
              MetadataStore.class.getClassLoader(),
              new Class<?>[] {MetadataStore.class},
              (proxy, method, args) -> {
                long t0 = System.nanoTime();
                try {
                  return method.invoke(store, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                  throw e.getCause();
                } finally {
                  long[] t =
                      TIMES.computeIfAbsent(
                          Thread.currentThread().getName().replaceAll("[0-9]+", "N")
                              + " "
                              + method.getName(),
                          k -> new long[2]);
                  synchronized (t) {
                    t[0]++;
                    t[1] += System.nanoTime() - t0;
                  }
                }
              });
    }

    static void print() {
      TIMES.entrySet().stream()
          .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
          .limit(15)
          .forEach(
              e ->
                  System.out.printf(
                      "  store %-60s %6d calls %8.1f ms (%.3f ms each)%n",
                      e.getKey(),
                      e.getValue()[0],
                      e.getValue()[1] / 1e6,
                      e.getValue()[1] / 1e6 / e.getValue()[0]));
    }
  }

  /**
   * CPU time by thread name from /proc, sampled every 200 ms while the run goes (JIT and GC threads
   * included; a thread shorter than a sample counts as "unsampled").
   */
  static final class ThreadTimes {
    private static final Map<Long, String> NAMES = new ConcurrentHashMap<>();
    private static final Map<Long, Long> TICKS = new ConcurrentHashMap<>();

    static void start() {
      Thread sampler =
          new Thread(
              () -> {
                while (true) {
                  sample();
                  try {
                    Thread.sleep(200);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "bench-cpu-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    private static void sample() {
      try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
        for (Path task : tasks.toList()) {
          try {
            long tid = Long.parseLong(task.getFileName().toString());
            String comm = java.nio.file.Files.readString(task.resolve("comm")).strip();
            String stat = java.nio.file.Files.readString(task.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            NAMES.put(tid, comm.replaceAll("[0-9]+", "N"));
            TICKS.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
          } catch (java.io.IOException | RuntimeException gone) {
            // the thread ended meanwhile
          }
        }
      } catch (java.io.IOException e) {
        // no /proc here
      }
    }

    static void print() {
      sample();
      Map<String, Long> byName = new java.util.HashMap<>();
      long sum = 0;
      for (var e : TICKS.entrySet()) {
        byName.merge(NAMES.get(e.getKey()), e.getValue(), Long::sum);
        sum += e.getValue();
      }
      try {
        String[] self =
            java.nio.file.Files.readString(Path.of("/proc/self/stat")).split("\\) ")[1].split(" ");
        byName.put("(unsampled)", Long.parseLong(self[11]) + Long.parseLong(self[12]) - sum);
      } catch (java.io.IOException | RuntimeException e) {
        return;
      }
      byName.entrySet().stream()
          .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
          .limit(12)
          .forEach(
              e -> System.out.printf("  cpu %-30s %6.2f s%n", e.getKey(), e.getValue() / 100.0));
    }
  }
}
