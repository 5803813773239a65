package dev.skiff.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.DagScheduler;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import dev.skiff.kubernetes.PodSettings;
import dev.skiff.kubernetes.internal.Labels;
import dev.skiff.kubernetes.internal.Manifests;
import dev.skiff.kubernetes.internal.Names;
import dev.skiff.kubernetes.internal.PodLauncher;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
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
 * prints the dispatch latency inside this JVM — an upstream pod seen Succeeded by an informer → the
 * create request of its last-waiting downstream pod sent — and its heap.
 *
 * <p>Args: {@code DIR RUN_ID NAMESPACE IMAGE}; the kubeconfig comes from {@code -Dkubeconfig}
 * (context {@code fake}), the SQLite store and artifact folder from {@code DIR}.
 */
public final class DispatchOrchestrator {
  private DispatchOrchestrator() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String runId = args[1];
    String namespace = args[2];
    String image = args[3];
    CreateTimes created = new CreateTimes();
    Map<String, Long> succeededSeen = new ConcurrentHashMap<>();
    Map<String, Long> succeededEvent = new ConcurrentHashMap<>();
    Map<String, Long> startedEvent = new ConcurrentHashMap<>();
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
    try (MetadataStore store = MetadataStores.sqlite(dir.resolve("skiff.db"));
        KubernetesClient client =
            new KubernetesClientBuilder()
                .withConfig(Config.autoConfigure("fake"))
                .withHttpClientBuilderConsumer(
                    http -> http.addOrReplaceInterceptor("bench-create-times", created))
                .build()) {
      plan = RunPlan.fromJson(store.findRun(runId).orElseThrow().planJson());
      // A second informer on the same pods sees each watch event when the launcher's does; its
      // selector names the step role too, so the bench can leave its two requests out of the count.
      SharedIndexInformer<Pod> seen =
          client
              .pods()
              .inNamespace(namespace)
              .withLabel(Labels.RUN_SELECTOR, Names.labelValue(runId))
              .withLabel(Labels.ROLE, "step")
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod pod) {
                      onUpdate(null, pod);
                    }

                    @Override
                    public void onUpdate(Pod old, Pod pod) {
                      if (pod.getStatus() != null
                          && "Succeeded".equals(pod.getStatus().getPhase())) {
                        succeededSeen.putIfAbsent(
                            pod.getMetadata().getLabels().get(Labels.STEP), System.nanoTime());
                      }
                    }

                    @Override
                    public void onDelete(Pod pod, boolean unknownFinalState) {}
                  });
      var options =
          new PodLauncher.Options(
              namespace,
              runId,
              null,
              step -> PodSettings.EMPTY,
              "default",
              Duration.ofMinutes(2),
              false,
              0);
      try (PodLauncher launcher =
          new PodLauncher(client, store, new Manifests(namespace, List.of(), image), options)) {
        status =
            new DagScheduler(
                    store, launcher, events, new LocalArtifactStore(dir.resolve("artifacts")))
                .run(plan, runId);
      }
      seen.close();
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
            succeededEvent.get(last),
            startedEvent.get(name),
            created.at.get(name));
      }
    }
    stages.print(status);
    printHeap();
    System.exit(status == RunStatus.SUCCEEDED ? 0 : 1);
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
    System.out.printf(
        "orchestrator JVM heap: peak %.1f MiB (sum of the heap pools' peak usage,"
            + " MemoryPoolMXBean), %.1f MiB in use after a final full GC, -Xmx %.0f MiB%n",
        peak / 1048576.0, live / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
  }

  /** Dispatch latency and its parts, in ms. */
  static final class Stages {
    final List<Double> total = new ArrayList<>();
    final List<Double> toSucceeded = new ArrayList<>();
    final List<Double> toStarted = new ArrayList<>();
    final List<Double> toSent = new ArrayList<>();

    void add(Long seen, Long succeeded, Long started, Long sent) {
      total.add((sent - seen) / 1e6);
      if (succeeded != null && started != null) {
        toSucceeded.add((succeeded - seen) / 1e6);
        toStarted.add((started - succeeded) / 1e6);
        toSent.add((sent - started) / 1e6);
      }
    }

    void print(RunStatus status) {
      System.out.printf(
          "orchestrator JVM: run %s; dispatch inside it (upstream pod seen Succeeded by the"
              + " informer -> downstream pod's create request sent), %d steps: %s (goal p50 <= 5,"
              + " p99 <= 50)%n",
          status, total.size(), describe(total));
      System.out.printf(
          "  seen -> the step recorded succeeded (outputs read, attempt ended, status written): %s%n",
          describe(toSucceeded));
      System.out.printf(
          "  -> downstream step started (scheduler, its attempt written): %s%n",
          describe(toStarted));
      System.out.printf("  -> its pod's create request sent: %s%n", describe(toSent));
    }

    static String describe(List<Double> values) {
      List<Double> sorted = new ArrayList<>(values);
      Collections.sort(sorted);
      return String.format(
          "p50 %.2f ms, p99 %.2f ms",
          KubernetesDispatchBench.pct(sorted, 0.5), KubernetesDispatchBench.pct(sorted, 0.99));
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
}
