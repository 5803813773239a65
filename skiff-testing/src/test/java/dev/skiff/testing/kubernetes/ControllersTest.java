package dev.skiff.testing.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Job controller, CronJobs fired on demand, and garbage collection by owner references. */
class ControllersTest {
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

  @Test
  void jobRunsItsPodToCompletion() {
    client.batch().v1().jobs().resource(job("orchestrator", 6, Pods.scriptSpec("print:orchestrating"))).create();

    Job job = cluster.awaitJob(NS, "orchestrator", "Complete", TIMEOUT);
    assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
    assertThat(job.getStatus().getActive()).isNull();
    assertThat(job.getStatus().getStartTime()).isNotNull();
    assertThat(job.getStatus().getCompletionTime()).isNotNull();

    List<Pod> pods = client.pods().withLabel("job-name", "orchestrator").list().getItems();
    assertThat(pods).hasSize(1);
    Pod pod = pods.get(0);
    assertThat(pod.getMetadata().getName()).startsWith("orchestrator-");
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("batch.kubernetes.io/job-name", "orchestrator")
        .containsEntry("batch.kubernetes.io/controller-uid", job.getMetadata().getUid())
        .containsEntry("app", "skiff-orchestrator");
    OwnerReference owner = pod.getMetadata().getOwnerReferences().get(0);
    assertThat(owner.getKind()).isEqualTo("Job");
    assertThat(owner.getUid()).isEqualTo(job.getMetadata().getUid());
    assertThat(owner.getController()).isTrue();
    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    assertThat(cluster.processOutput(NS, pod.getMetadata().getName())).isEqualTo("orchestrating\n");
  }

  @Test
  void jobRetriesFailedPodsUpToItsBackoffLimit() {
    client.batch().v1().jobs().resource(job("always-fails", 2, Pods.scriptSpec("print:trying", "exit:1"))).create();

    Job job = cluster.awaitJob(NS, "always-fails", "Failed", TIMEOUT);
    JobCondition failed = job.getStatus().getConditions().stream()
        .filter(c -> "Failed".equals(c.getType())).findFirst().orElseThrow();
    assertThat(failed.getReason()).isEqualTo("BackoffLimitExceeded");
    assertThat(job.getStatus().getFailed()).isEqualTo(3);
    assertThat(client.pods().withLabel("job-name", "always-fails").list().getItems())
        .hasSize(3)
        .allSatisfy(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Failed"));
    List<PodRecord> attempts = cluster.podHistory().stream()
        .filter(r -> "always-fails".equals(r.label("job-name"))).toList();
    assertThat(attempts).hasSize(3);
    // One at a time: each retry starts after the previous attempt ended.
    assertThat(attempts.get(1).containers().get(0).overlaps(attempts.get(0).containers().get(0))).isFalse();
  }

  @Test
  void cronJobFiresOnDemand() {
    CronJob cron = new CronJobBuilder()
        .withNewMetadata().withName("nightly").endMetadata()
        .withNewSpec()
        .withSchedule("0 3 * * *")
        .withNewJobTemplate()
        .withNewMetadata().addToLabels("skiff.dev/schedule", "nightly").endMetadata()
        .withNewSpec().withBackoffLimit(0).withNewTemplate().withSpec(Pods.scriptSpec("print:scheduled run"))
        .endTemplate().endSpec()
        .endJobTemplate()
        .endSpec()
        .build();
    CronJob created = client.batch().v1().cronjobs().resource(cron).create();

    Job job = cluster.fireCronJob(NS, "nightly").orElseThrow();

    assertThat(job.getMetadata().getName()).startsWith("nightly-");
    assertThat(job.getMetadata().getLabels()).containsEntry("skiff.dev/schedule", "nightly");
    assertThat(job.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
      assertThat(owner.getKind()).isEqualTo("CronJob");
      assertThat(owner.getUid()).isEqualTo(created.getMetadata().getUid());
    });
    cluster.awaitJob(NS, job.getMetadata().getName(), "Complete", TIMEOUT);
    cluster.await("CronJob status records the success", TIMEOUT, () -> {
      CronJob current = client.batch().v1().cronjobs().withName("nightly").get();
      return current.getStatus() != null && current.getStatus().getLastSuccessfulTime() != null;
    });
    assertThat(client.batch().v1().cronjobs().withName("nightly").get().getStatus().getLastScheduleTime()).isNotNull();
  }

  @Test
  void deletingAJobDeletesItsPodsAndSecretsAndKillsTheProcess() {
    Job job = client.batch().v1().jobs()
        .resource(job("long-job", 0, Pods.scriptSpec("print:running", "sleep:600000"))).create();
    Secret secret = client.secrets().resource(new SecretBuilder()
        .withNewMetadata().withName("long-job-token").addToOwnerReferences(ownerRef(job)).endMetadata()
        .addToStringData("token", "x").build()).create();
    String pod = awaitJobPod("long-job");
    cluster.awaitPod(NS, pod, "Running", TIMEOUT);

    client.batch().v1().jobs().withName("long-job").withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();

    cluster.awaitPodGone(NS, pod, TIMEOUT);
    cluster.await("secret collected", TIMEOUT, () -> client.secrets().withName(secret.getMetadata().getName()).get() == null);
    cluster.await("process killed", TIMEOUT,
        () -> !cluster.podRecord(NS, pod).orElseThrow().containers().get(0).running());
  }

  @Test
  void orphanDeletionKeepsDependentsAndDropsTheirOwnerReference() {
    client.batch().v1().jobs().resource(job("orphaning", 0, noOpSpec())).create();
    cluster.awaitJob(NS, "orphaning", "Complete", TIMEOUT);
    String pod = awaitJobPod("orphaning");

    client.batch().v1().jobs().withName("orphaning").withPropagationPolicy(DeletionPropagation.ORPHAN).delete();

    cluster.await("owner reference removed", TIMEOUT, () -> {
      Pod current = client.pods().withName(pod).get();
      return current != null && (current.getMetadata().getOwnerReferences() == null
          || current.getMetadata().getOwnerReferences().isEmpty());
    });
  }

  @Test
  void foregroundDeletionRemovesDependentsBeforeTheOwner() {
    client.batch().v1().jobs().resource(job("foreground", 0, Pods.scriptSpec("sleep:600000"))).create();
    String pod = awaitJobPod("foreground");
    cluster.awaitPod(NS, pod, "Running", TIMEOUT);
    List<String> deletions = new CopyOnWriteArrayList<>();
    try (Watch pods = client.pods().watch(deletions("pod", deletions));
        Watch jobs = client.batch().v1().jobs().watch(deletions("job", deletions))) {
      client.batch().v1().jobs().withName("foreground").withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();

      cluster.await("job deleted", TIMEOUT, () -> deletions.contains("job/foreground"));
      assertThat(deletions).containsSubsequence("pod/" + pod, "job/foreground");
    }
  }

  @Test
  void danglingOwnerReferenceIsCollected() {
    client.secrets().resource(new SecretBuilder()
        .withNewMetadata().withName("dangling")
        .addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap").withName("gone")
        .withUid("00000000-0000-0000-0000-000000000000").endOwnerReference()
        .endMetadata().build()).create();

    cluster.await("dangling secret collected", TIMEOUT, () -> client.secrets().withName("dangling").get() == null);
  }

  private String awaitJobPod(String jobName) {
    cluster.await("a pod for job " + jobName, TIMEOUT,
        () -> !client.pods().withLabel("job-name", jobName).list().getItems().isEmpty());
    return client.pods().withLabel("job-name", jobName).list().getItems().get(0).getMetadata().getName();
  }

  private static <T extends HasMetadata> Watcher<T> deletions(String kind, List<String> into) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T object) {
        if (action == Action.DELETED) {
          into.add(kind + "/" + object.getMetadata().getName());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  static Job job(String name, int backoffLimit, PodSpec podSpec) {
    return new JobBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
        .withBackoffLimit(backoffLimit)
        .withNewTemplate()
        .withNewMetadata().addToLabels("app", "skiff-orchestrator").endMetadata()
        .withSpec(podSpec)
        .endTemplate()
        .endSpec()
        .build();
  }

  private static PodSpec noOpSpec() {
    return Pods.noOp("unused").getSpec();
  }

  private static OwnerReference ownerRef(Job job) {
    OwnerReference ref = new OwnerReference();
    ref.setApiVersion("batch/v1");
    ref.setKind("Job");
    ref.setName(job.getMetadata().getName());
    ref.setUid(job.getMetadata().getUid());
    return ref;
  }
}
