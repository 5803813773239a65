package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.DagScheduler;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.engine.RunIds;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.PodSettings;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.kubernetes.ApiRequest;
import dev.skiff.testing.kubernetes.FakeCluster;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wide fan-out does not flood the API server: the orchestrator's client (as {@link
 * OrchestratorMain} builds it) sends its requests at the run's {@code apiQps} and {@code apiBurst},
 * counted where the test cluster receives them, and the run still succeeds. Step pods use a no-op
 * image (they succeed at once), so the orchestrator's own requests are all there is.
 */
@Timeout(180)
class ApiRateLimitClusterTest {
  static final String IMAGE = "registry.local/skiff:noop";
  static final String NS = FakeCluster.DEFAULT_NAMESPACE;
  static final int WIDTH = 200;
  static final double QPS = 10;
  static final int BURST = 10;

  /**
   * Requests sent in turn can arrive together: on a loaded machine (load average 11 on 2 cores was
   * seen) the client or the test cluster stalls, then sends or takes in the backlog at once. Each
   * window may therefore hold what {@code STALL} more of the rate brings. Without the limit the 200
   * creates arrive within a second or two (and some time out), far above either bound.
   */
  static final Duration STALL = Duration.ofSeconds(3);

  @TempDir Path dir;

  /** {@link #WIDTH} independent steps. */
  public static final class FanOut implements PipelineDefinition {
    static Void work() {
      return null;
    }

    @Override
    public String name() {
      return "fan_out";
    }

    @Override
    public void define(PipelineBuilder p) {
      for (int i = 0; i < WIDTH; i++) {
        p.step(String.format("s%03d", i), FanOut::work);
      }
    }
  }

  @Test
  void aWideFanOutSendsItsRequestsAtTheConfiguredRate() throws Exception {
    try (FakeCluster cluster = FakeCluster.start();
        MetadataStore store = MetadataStores.sqlite(dir.resolve("skiff.db"))) {
      cluster.images().registerNoOp(IMAGE);
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
          new PlanCompiler(Materializers.of(List.of()))
              .compile(new FanOut(), PipelineSettings.newBuilder().enableCache(false).build());
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
      Manifests manifests = new Manifests(NS, List.of(), IMAGE);
      cluster
          .client()
          .secrets()
          .inNamespace(NS)
          .resource(
              manifests.runSecret(
                  runId,
                  plan.pipeline(),
                  new StoreAccess("jdbc:sqlite:" + dir.resolve("skiff.db"), null, artifacts.uri())))
          .create();
      ApiRateLimiter limiter = new ApiRateLimiter();
      limiter.setRate(QPS, BURST);
      cluster.resetApiRequests();

      RunStatus status;
      // a CPU-starved test cluster (other builds on the machine) can take longer than the default
      // 10 s to answer one request; the rate, not the test cluster's speed, is under test here
      var config = cluster.clientConfig();
      config.setRequestTimeout(60_000);
      try (KubernetesClient client = ClusterAccess.rateLimited(config, limiter);
          PodLauncher launcher =
              new PodLauncher(
                  client,
                  store,
                  manifests,
                  PodLauncher.Options.newBuilder(NS, runId)
                      .podSettings(step -> PodSettings.EMPTY, Duration.ofMinutes(2))
                      .build())) {
        status = new DagScheduler(store, launcher, RunListener.NONE, artifacts).run(plan, runId);
      }

      assertThat(status)
          .as("run ended: %s", store.findRun(runId).orElseThrow().error())
          .isEqualTo(RunStatus.SUCCEEDED);
      List<ApiRequest> counted =
          cluster.apiRequests().stream()
              .filter(r -> !r.watch() && !r.query().contains("follow=true"))
              .toList();
      System.out.println(
          "requests of the orchestrator's client: "
              + counted.stream()
                  .collect(
                      java.util.stream.Collectors.groupingBy(
                          r -> r.method() + " " + r.path().replaceAll("/pods/[^/]+", "/pods/NAME"),
                          java.util.TreeMap::new,
                          java.util.stream.Collectors.counting()))
              + " over "
              + Duration.between(counted.get(0).at(), counted.get(counted.size() - 1).at())
                  .toMillis()
              + " ms");
      assertThat(
              counted.stream()
                  .filter(r -> r.method().equals("POST") && r.path().endsWith("/pods"))
                  .count())
          .as("pods created (a create retried after a timeout counts twice)")
          .isGreaterThanOrEqualTo(WIDTH);
      // the whole fan-out took the time the rate asks (less a stall of the first requests)
      List<Instant> creates =
          counted.stream().filter(r -> r.method().equals("POST")).map(ApiRequest::at).toList();
      assertThat(Duration.between(creates.get(0), creates.get(creates.size() - 1)))
          .as("time to create %s pods at %s a second after a burst of %s", WIDTH, QPS, BURST)
          .isGreaterThanOrEqualTo(
              Duration.ofMillis((long) ((WIDTH - BURST) / QPS * 1000)).minus(STALL));
      for (Duration window : List.of(Duration.ofSeconds(1), Duration.ofSeconds(5))) {
        long allowed = BURST + (long) (QPS * (window.toSeconds() + STALL.toSeconds()));
        assertThat(mostInWindow(counted, window))
            .as("most requests in any %s window", window)
            .isLessThanOrEqualTo(allowed);
      }
    }
  }

  /** The most requests that arrived within {@code window} of one another. */
  static long mostInWindow(List<ApiRequest> requests, Duration window) {
    List<Instant> at = requests.stream().map(ApiRequest::at).sorted().toList();
    long most = 0;
    int end = 0;
    for (int start = 0; start < at.size(); start++) {
      Instant limit = at.get(start).plus(window);
      while (end < at.size() && at.get(end).isBefore(limit)) {
        end++;
      }
      most = Math.max(most, end - start);
    }
    return most;
  }
}
