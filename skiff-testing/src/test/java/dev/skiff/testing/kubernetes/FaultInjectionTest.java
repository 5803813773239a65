package dev.skiff.testing.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Injected pod failures and API faults. */
class FaultInjectionTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String NS = FakeCluster.DEFAULT_NAMESPACE;

  private static FakeCluster cluster;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = FakeCluster.start();
    Pods.registerImages(cluster);
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Pod labelled(Pod pod, String group, String step) {
    return new PodBuilder(pod)
        .editMetadata()
        .addToLabels("group", group)
        .addToLabels("step", step)
        .endMetadata()
        .build();
  }

  @Test
  void deleteCollectionDeletesExactlyWhatItsLabelAndFieldSelectorsMatch() {
    client.pods().resource(labelled(Pods.noOp("dc-a"), "dc", "a")).create();
    client.pods().resource(labelled(Pods.noOp("dc-b"), "dc", "b")).create();
    client.pods().resource(labelled(Pods.noOp("dc-c"), "dc", "c")).create();
    client.pods().resource(labelled(Pods.script("dc-running", "sleep:600000"), "dc", "a")).create();
    for (String name : List.of("dc-a", "dc-b", "dc-c")) {
      cluster.awaitPod(NS, name, "Succeeded", TIMEOUT);
    }
    cluster.awaitPod(NS, "dc-running", "Running", TIMEOUT);

    client
        .pods()
        .inNamespace(NS)
        .withLabel("group", "dc")
        .withLabelIn("step", "a", "b")
        .withField("status.phase", "Succeeded")
        .delete();

    assertThat(cluster.pod(NS, "dc-a")).isEmpty();
    assertThat(cluster.pod(NS, "dc-b")).isEmpty();
    assertThat(cluster.pod(NS, "dc-c")).as("not in the set").isPresent();
    assertThat(cluster.pod(NS, "dc-running")).as("not Succeeded").isPresent();
    assertThatThrownBy(
            () -> client.pods().inNamespace(NS).withField("spec.containers", "x").delete())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("field label not supported: spec.containers")
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(400));
    assertThat(cluster.pod(NS, "dc-c")).isPresent();
    client.pods().inNamespace(NS).withLabel("group", "dc").delete();
  }

  @Test
  void oomKilledContainer() throws Exception {
    PodFault fault = cluster.failNextPod(FakeCluster.podNamed("hungry"), FailureKind.OOM_KILLED);
    client.pods().resource(Pods.script("hungry", "print:allocating", "sleep:600000")).create();

    Pod pod = cluster.awaitPod(NS, "hungry", "Failed", TIMEOUT);
    ContainerStateTerminated terminated =
        pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(terminated.getReason()).isEqualTo("OOMKilled");
    assertThat(terminated.getExitCode()).isEqualTo(137);
    assertThat(fault.awaitApplied(TIMEOUT)).isTrue();
    assertThat(fault.pod()).contains(NS + "/hungry");
  }

  @Test
  void evictedPod() {
    cluster.failNextPod(FakeCluster.podNamed("evictee"), FailureKind.EVICTED);
    client.pods().resource(Pods.script("evictee", "sleep:600000")).create();

    Pod pod = cluster.awaitPod(NS, "evictee", "Failed", TIMEOUT);
    assertThat(pod.getStatus().getReason()).isEqualTo("Evicted");
    assertThat(pod.getStatus().getMessage()).contains("low on resource: memory");
    assertThat(FakeKubeletTest.condition(pod, "DisruptionTarget").getStatus()).isEqualTo("True");
    assertThat(cluster.events(NS, "evictee"))
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("Evicted");
              assertThat(e.getType()).isEqualTo("Warning");
            });
  }

  @Test
  void nodeLossDeletesTheRunningPodAndTheJobReplacesIt() {
    List<String> seen = new CopyOnWriteArrayList<>();
    cluster.failNextPod(FakeCluster.podLabeled("job-name", "survivor"), FailureKind.NODE_LOST);
    try (Watch watch =
        client
            .pods()
            .withLabel("job-name", "survivor")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    PodCondition ready =
                        pod.getStatus() == null || pod.getStatus().getConditions() == null
                            ? null
                            : pod.getStatus().getConditions().stream()
                                .filter(c -> "Ready".equals(c.getType()))
                                .findFirst()
                                .orElse(null);
                    seen.add(
                        pod.getMetadata().getName()
                            + " "
                            + action
                            + " ready="
                            + (ready == null ? null : ready.getStatus()));
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      client
          .batch()
          .v1()
          .jobs()
          .resource(ControllersTest.job("survivor", 1, Pods.scriptSpec("print:done")))
          .create();

      Job job = cluster.awaitJob(NS, "survivor", "Complete", TIMEOUT);
      assertThat(job.getStatus().getFailed()).isEqualTo(1);
      assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
      List<PodRecord> attempts =
          cluster.podHistory().stream()
              .filter(r -> "survivor".equals(r.label("job-name")))
              .toList();
      assertThat(attempts).hasSize(2);
      String lost = attempts.get(0).name();
      assertThat(attempts.get(0).reason()).isEqualTo("NodeLost");
      assertThat(attempts.get(0).deleted()).isTrue();
      cluster.await(
          "watch saw the lost pod deleted",
          TIMEOUT,
          () -> seen.contains(lost + " DELETED ready=Unknown"));
      assertThat(seen).contains(lost + " MODIFIED ready=Unknown");
    }
  }

  @Test
  void slowSchedulingKeepsThePodPendingUntilReleased() throws Exception {
    PodFault fault =
        cluster.failNextPod(FakeCluster.podNamed("needs-gpu"), FailureKind.SLOW_SCHEDULING);
    client.pods().resource(Pods.noOp("needs-gpu")).create();

    Pod pending =
        cluster.awaitPod(
            NS,
            "needs-gpu",
            p ->
                p.getStatus() != null
                    && p.getStatus().getConditions() != null
                    && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "PodScheduled".equals(c.getType())),
            "a condition",
            TIMEOUT);
    assertThat(fault.awaitApplied(TIMEOUT)).isTrue();
    PodCondition scheduled = FakeKubeletTest.condition(pending, "PodScheduled");
    assertThat(pending.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(scheduled.getStatus()).isEqualTo("False");
    assertThat(scheduled.getReason()).isEqualTo("Unschedulable");
    assertThat(scheduled.getMessage()).contains("Insufficient nvidia.com/gpu");
    assertThat(cluster.events(NS, "needs-gpu"))
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("FailedScheduling");
              assertThat(e.getType()).isEqualTo("Warning");
            });
    assertThat(cluster.pod(NS, "needs-gpu").orElseThrow().getStatus().getPhase())
        .isEqualTo("Pending");

    fault.release();
    cluster.awaitPod(NS, "needs-gpu", "Succeeded", TIMEOUT);
  }

  @Test
  void injectedConflictReachesTheClientOnce() {
    ApiFault fault = cluster.failNextRequests("POST", "/namespaces/" + NS + "/configmaps$", 409, 1);
    ConfigMap map =
        new ConfigMapBuilder().withNewMetadata().withName("contended").endMetadata().build();

    assertThatThrownBy(() -> client.configMaps().resource(map).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(409);
              assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
            });
    assertThat(client.configMaps().resource(map).create().getMetadata().getName())
        .isEqualTo("contended");
    assertThat(fault.hits()).isEqualTo(1);
    assertThat(fault.remaining()).isZero();
  }

  @Test
  void serverErrorsAreRetriedByDefaultAndVisibleWithoutRetries() {
    KubernetesClient noRetries = cluster.newClient(b -> b.withRequestRetryBackoffLimit(0));
    cluster.failNextRequests("GET", "/namespaces/" + NS + "/configmaps/flaky$", 500, 1);
    assertThatThrownBy(() -> noRetries.configMaps().withName("flaky").get())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(500));

    cluster.failNextRequests("GET", "/namespaces/" + NS + "/configmaps/throttled$", 429, 1);
    assertThatThrownBy(() -> noRetries.configMaps().withName("throttled").get())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(429));

    cluster.resetApiRequests();
    cluster.failNextRequests("GET", "/namespaces/" + NS + "/configmaps/flaky$", 500, 2);
    assertThat(client.configMaps().withName("flaky").get())
        .isNull(); // retried through, then 404 -> null
    assertThat(cluster.apiRequestCount("GET", "/configmaps/flaky$")).isEqualTo(3);
  }

  @Test
  void droppedWatchIsReestablishedByAnInformer() {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    SharedIndexInformer<Pod> informer =
        client
            .pods()
            .withLabel("watched", "yes")
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    seen.add(pod.getMetadata().getName());
                  }

                  @Override
                  public void onUpdate(Pod previous, Pod pod) {}

                  @Override
                  public void onDelete(Pod pod, boolean unknown) {}
                });
    try {
      client.pods().resource(labeled("before-drop")).create();
      cluster.await("informer saw before-drop", TIMEOUT, () -> seen.contains("before-drop"));
      long watchesBefore =
          cluster.apiRequests().stream()
              .filter(r -> r.watch() && r.path().endsWith("/pods") && r.query().contains("watched"))
              .count();

      assertThat(cluster.dropWatches()).isPositive();
      client.pods().resource(labeled("after-drop")).create();

      cluster.await("informer saw after-drop", TIMEOUT, () -> seen.contains("after-drop"));
      long watchesAfter =
          cluster.apiRequests().stream()
              .filter(r -> r.watch() && r.path().endsWith("/pods") && r.query().contains("watched"))
              .count();
      assertThat(watchesAfter).isGreaterThan(watchesBefore);
    } finally {
      informer.close();
    }
  }

  @Test
  void requestsRightAfterAWatchEndsAreAnswered() {
    // The mock used to drop (never answer) a write that raced with the close of a watch.
    KubernetesClient impatient =
        cluster.newClient(b -> b.withRequestTimeout(5_000).withRequestRetryBackoffLimit(0));
    for (int i = 0; i < 20; i++) {
      impatient.configMaps().resource(configMap("watched-" + i)).create();
      Watch watch =
          impatient
              .configMaps()
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap map) {}

                    @Override
                    public void onClose(WatcherException cause) {}
                  });
      if (i % 2 == 0) {
        watch.close();
      } else {
        cluster.dropWatches();
        watch.close();
      }
      assertThat(impatient.configMaps().resource(configMap("after-watch-" + i)).create())
          .isNotNull();
    }
  }

  @Test
  void evictionApiMarksThePodDisruptedThenDeletesIt() {
    List<String> disruptions = new CopyOnWriteArrayList<>();
    client.pods().resource(Pods.script("evict-me", "sleep:600000")).create();
    cluster.awaitPod(NS, "evict-me", "Running", TIMEOUT);
    try (Watch watch =
        client
            .pods()
            .withName("evict-me")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
                      pod.getStatus().getConditions().stream()
                          .filter(c -> "DisruptionTarget".equals(c.getType()))
                          .forEach(
                              c ->
                                  disruptions.add(
                                      action + " " + c.getStatus() + " " + c.getReason()));
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      assertThat(client.pods().withName("evict-me").evict()).isTrue();

      cluster.awaitPodGone(NS, "evict-me", TIMEOUT);
      cluster.await(
          "watchers saw the disruption",
          TIMEOUT,
          () -> disruptions.contains("MODIFIED True EvictionByEvictionAPI"));
    }
  }

  @Test
  void aWatchFromACompactedResourceVersionIsGoneAndAnInformerRelists() throws Exception {
    String before =
        client
            .configMaps()
            .resource(configMap("compacted"))
            .create()
            .getMetadata()
            .getResourceVersion();
    Set<String> seen = ConcurrentHashMap.newKeySet();
    SharedIndexInformer<ConfigMap> informer =
        client
            .configMaps()
            .withLabel("era", "new")
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(ConfigMap map) {
                    seen.add(map.getMetadata().getName());
                  }

                  @Override
                  public void onUpdate(ConfigMap previous, ConfigMap map) {}

                  @Override
                  public void onDelete(ConfigMap map, boolean unknown) {}
                });
    try {
      long retained = cluster.expireResourceVersions();
      CompletableFuture<WatcherException> closed = new CompletableFuture<>();
      client
          .configMaps()
          .watch(
              new ListOptionsBuilder().withResourceVersion(before).build(),
              new Watcher<>() {
                @Override
                public void eventReceived(Action action, ConfigMap map) {}

                @Override
                public void onClose(WatcherException cause) {
                  closed.complete(cause);
                }
              });
      WatcherException gone = closed.get(30, TimeUnit.SECONDS);
      assertThat(gone.isHttpGone()).isTrue();
      assertThat(gone.getMessage())
          .contains("too old resource version: " + before + " (" + retained + ")");

      // The informer's next watch starts from a version now too old: it lists again, then watches.
      long lists =
          cluster.apiRequests().stream()
              .filter(
                  r -> !r.watch() && r.path().endsWith("/configmaps") && r.query().contains("era"))
              .count();
      cluster.await(
          "the informer's watch cut",
          TIMEOUT,
          () -> cluster.dropWatches("/configmaps\\?.*era") == 1);
      client
          .configMaps()
          .resource(
              new ConfigMapBuilder(configMap("after-compaction"))
                  .editMetadata()
                  .addToLabels("era", "new")
                  .endMetadata()
                  .build())
          .create();
      cluster.await(
          "informer saw after-compaction", TIMEOUT, () -> seen.contains("after-compaction"));
      assertThat(
              cluster.apiRequests().stream()
                  .filter(
                      r ->
                          !r.watch()
                              && r.path().endsWith("/configmaps")
                              && r.query().contains("era"))
                  .count())
          .isGreaterThan(lists);
    } finally {
      informer.close();
    }
  }

  @Test
  void dropWatchesCanPickWhichWatchesToCut() {
    cluster.resetApiRequests();
    List<String> closedWatches = new CopyOnWriteArrayList<>();
    try (Watch secrets = client.secrets().watch(closingWatcher("secrets", closedWatches));
        Watch maps = client.configMaps().watch(closingWatcher("configmaps", closedWatches))) {
      cluster.await("both watches open", TIMEOUT, () -> cluster.openWatches() >= 2);
      long secretWatches = watchRequests("/secrets");

      assertThat(cluster.dropWatches("/namespaces/" + NS + "/secrets\\?")).isEqualTo(1);

      cluster.await(
          "the secrets watch ended (or was opened again)",
          TIMEOUT,
          () -> closedWatches.contains("secrets") || watchRequests("/secrets") > secretWatches);
      assertThat(closedWatches).doesNotContain("configmaps");
      assertThat(watchRequests("/configmaps")).as("the configmaps watch was not cut").isEqualTo(1);
    }
  }

  private static long watchRequests(String pathEnd) {
    return cluster.apiRequests().stream()
        .filter(
            r -> r.watch() && r.path().endsWith(pathEnd) && !r.query().contains("labelSelector"))
        .count();
  }

  private static <T> Watcher<T> closingWatcher(String name, List<String> closed) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T object) {}

      @Override
      public boolean reconnecting() {
        return false;
      }

      @Override
      public void onClose(WatcherException cause) {
        closed.add(name);
      }

      @Override
      public void onClose() {
        closed.add(name);
      }
    };
  }

  private static ConfigMap configMap(String name) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .addToData("key", "value")
        .build();
  }

  private static Pod labeled(String name) {
    return new PodBuilder(Pods.noOp(name))
        .editMetadata()
        .addToLabels("watched", "yes")
        .endMetadata()
        .build();
  }
}
