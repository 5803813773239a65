package dev.skiff.testing.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
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
    client
        .batch()
        .v1()
        .jobs()
        .resource(job("orchestrator", 6, Pods.scriptSpec("print:orchestrating")))
        .create();

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
    client
        .batch()
        .v1()
        .jobs()
        .resource(job("always-fails", 2, Pods.scriptSpec("print:trying", "exit:1")))
        .create();

    Job job = cluster.awaitJob(NS, "always-fails", "Failed", TIMEOUT);
    JobCondition failed =
        job.getStatus().getConditions().stream()
            .filter(c -> "Failed".equals(c.getType()))
            .findFirst()
            .orElseThrow();
    assertThat(failed.getReason()).isEqualTo("BackoffLimitExceeded");
    assertThat(job.getStatus().getFailed()).isEqualTo(3);
    assertThat(client.pods().withLabel("job-name", "always-fails").list().getItems())
        .hasSize(3)
        .allSatisfy(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Failed"));
    List<PodRecord> attempts =
        cluster.podHistory().stream()
            .filter(r -> "always-fails".equals(r.label("job-name")))
            .toList();
    assertThat(attempts).hasSize(3);
    // One at a time: each retry starts after the previous attempt ended.
    assertThat(attempts.get(1).containers().get(0).overlaps(attempts.get(0).containers().get(0)))
        .isFalse();
  }

  @Test
  void cronJobFiresOnDemand() {
    CronJob cron =
        new CronJobBuilder()
            .withNewMetadata()
            .withName("nightly")
            .endMetadata()
            .withNewSpec()
            .withSchedule("0 3 * * *")
            .withNewJobTemplate()
            .withNewMetadata()
            .addToLabels("skiff.dev/schedule", "nightly")
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(0)
            .withNewTemplate()
            .withSpec(Pods.scriptSpec("print:scheduled run"))
            .endTemplate()
            .endSpec()
            .endJobTemplate()
            .endSpec()
            .build();
    CronJob created = client.batch().v1().cronjobs().resource(cron).create();

    Job job = cluster.fireCronJob(NS, "nightly").orElseThrow();

    assertThat(job.getMetadata().getName()).startsWith("nightly-");
    assertThat(job.getMetadata().getLabels()).containsEntry("skiff.dev/schedule", "nightly");
    assertThat(job.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getKind()).isEqualTo("CronJob");
              assertThat(owner.getUid()).isEqualTo(created.getMetadata().getUid());
            });
    cluster.awaitJob(NS, job.getMetadata().getName(), "Complete", TIMEOUT);
    cluster.await(
        "CronJob status records the success",
        TIMEOUT,
        () -> {
          CronJob current = client.batch().v1().cronjobs().withName("nightly").get();
          return current.getStatus() != null && current.getStatus().getLastSuccessfulTime() != null;
        });
    assertThat(
            client
                .batch()
                .v1()
                .cronjobs()
                .withName("nightly")
                .get()
                .getStatus()
                .getLastScheduleTime())
        .isNotNull();
  }

  @Test
  void deletingAJobDeletesItsPodsAndSecretsAndKillsTheProcess() {
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .resource(job("long-job", 0, Pods.scriptSpec("print:running", "sleep:600000")))
            .create();
    Secret secret =
        client
            .secrets()
            .resource(
                new SecretBuilder()
                    .withNewMetadata()
                    .withName("long-job-token")
                    .addToOwnerReferences(ownerRef(job))
                    .endMetadata()
                    .addToStringData("token", "x")
                    .build())
            .create();
    String pod = awaitJobPod("long-job");
    cluster.awaitPod(NS, pod, "Running", TIMEOUT);

    client
        .batch()
        .v1()
        .jobs()
        .withName("long-job")
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();

    cluster.awaitPodGone(NS, pod, TIMEOUT);
    cluster.await(
        "secret collected",
        TIMEOUT,
        () -> client.secrets().withName(secret.getMetadata().getName()).get() == null);
    cluster.await(
        "process killed",
        TIMEOUT,
        () -> !cluster.podRecord(NS, pod).orElseThrow().containers().get(0).running());
  }

  @Test
  void orphanDeletionKeepsDependentsAndDropsTheirOwnerReference() {
    client.batch().v1().jobs().resource(job("orphaning", 0, noOpSpec())).create();
    cluster.awaitJob(NS, "orphaning", "Complete", TIMEOUT);
    String pod = awaitJobPod("orphaning");

    client
        .batch()
        .v1()
        .jobs()
        .withName("orphaning")
        .withPropagationPolicy(DeletionPropagation.ORPHAN)
        .delete();

    cluster.await(
        "owner reference removed",
        TIMEOUT,
        () -> {
          Pod current = client.pods().withName(pod).get();
          return current != null
              && (current.getMetadata().getOwnerReferences() == null
                  || current.getMetadata().getOwnerReferences().isEmpty());
        });
  }

  @Test
  void foregroundDeletionRemovesDependentsBeforeTheOwner() {
    client
        .batch()
        .v1()
        .jobs()
        .resource(job("foreground", 0, Pods.scriptSpec("sleep:600000")))
        .create();
    String pod = awaitJobPod("foreground");
    cluster.awaitPod(NS, pod, "Running", TIMEOUT);
    List<String> deletions = new CopyOnWriteArrayList<>();
    try (Watch pods = client.pods().watch(deletions("pod", deletions));
        Watch jobs = client.batch().v1().jobs().watch(deletions("job", deletions))) {
      client
          .batch()
          .v1()
          .jobs()
          .withName("foreground")
          .withPropagationPolicy(DeletionPropagation.FOREGROUND)
          .delete();

      cluster.await("job deleted", TIMEOUT, () -> deletions.contains("job/foreground"));
      assertThat(deletions).containsSubsequence("pod/" + pod, "job/foreground");
    }
  }

  @Test
  void danglingOwnerReferenceIsCollected() {
    client
        .secrets()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("dangling")
                .addNewOwnerReference()
                .withApiVersion("v1")
                .withKind("ConfigMap")
                .withName("gone")
                .withUid("00000000-0000-0000-0000-000000000000")
                .endOwnerReference()
                .endMetadata()
                .build())
        .create();

    cluster.await(
        "dangling secret collected",
        TIMEOUT,
        () -> client.secrets().withName("dangling").get() == null);
  }

  // ---- ControllerRef claim and release --------------------------------------------------------

  @Test
  void jobAdoptsAMatchingOrphanAndReleasesAPodItNoLongerSelects() {
    client
        .pods()
        .resource(labeled(Pods.script("stray", "sleep:600000"), Map.of("claim", "me")))
        .create();
    cluster.awaitPod(NS, "stray", "Running", TIMEOUT);
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .resource(
                new JobBuilder(job("claimer", 0, Pods.scriptSpec("print:own")))
                    .editSpec()
                    .withManualSelector(true)
                    .withNewSelector()
                    .addToMatchLabels("claim", "me")
                    .endSelector()
                    .editTemplate()
                    .editMetadata()
                    .addToLabels("claim", "me")
                    .endMetadata()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();

    cluster.await(
        "the orphan adopted",
        TIMEOUT,
        () -> controllerUid("stray").equals(job.getMetadata().getUid()));
    cluster.await("the adopted pod counted active", TIMEOUT, () -> active("claimer") == 1);
    assertThat(client.pods().withLabel("job-name", "claimer").list().getItems())
        .as("no pod created besides it")
        .isEmpty();

    client.pods().withName("stray").edit(p -> labeled(p, Map.of("claim", "other")));

    cluster.await(
        "the pod released",
        TIMEOUT,
        () -> client.pods().withName("stray").get().getMetadata().getOwnerReferences().isEmpty());
    Job done = cluster.awaitJob(NS, "claimer", "Complete", TIMEOUT);
    assertThat(done.getStatus().getSucceeded()).isEqualTo(1);
    assertThat(done.getStatus().getFailed()).as("a released pod is not a failure").isNull();
    client
        .batch()
        .v1()
        .jobs()
        .withName("claimer")
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
    cluster.await(
        "the Job's own pod collected",
        TIMEOUT,
        () -> client.pods().withLabel("job-name", "claimer").list().getItems().isEmpty());
    assertThat(client.pods().withName("stray").get().getStatus().getPhase())
        .as("released: not collected")
        .isEqualTo("Running");
    client.pods().withName("stray").withGracePeriod(0).delete();
  }

  @Test
  void nonControllerOwnerReferencesAreLeftAloneButStillCollect() {
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .resource(job("plain-owner", 0, Pods.scriptSpec("sleep:600000")))
            .create();
    String own = awaitJobPod("plain-owner");
    // A pod the Job's selector does not match, with a plain (not controller) reference to it.
    client.pods().resource(owned(Pods.script("follower", "sleep:600000"), ownerRef(job))).create();
    cluster.awaitPod(NS, "follower", "Running", TIMEOUT);

    cluster.await("the Job's own pod running", TIMEOUT, () -> active("plain-owner") == 1);
    assertThat(client.pods().withName("follower").get().getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(ref -> assertThat(ref.getController()).isNull());

    client
        .batch()
        .v1()
        .jobs()
        .withName("plain-owner")
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
    cluster.awaitPodGone(NS, own, TIMEOUT);
    cluster.awaitPodGone(NS, "follower", TIMEOUT);
  }

  // ---- garbage collection -----------------------------------------------------------------------

  @Test
  void foregroundDeletionWaitsOnlyForDependentsThatBlockOwnerDeletion() {
    Job job = client.batch().v1().jobs().resource(job("fg-blocking", 0, noOpSpec())).create();
    cluster.awaitJob(NS, "fg-blocking", "Complete", TIMEOUT);
    OwnerReference blocking = ownerRef(job);
    blocking.setBlockOwnerDeletion(true);
    client
        .configMaps()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("fg-blocker")
                .addToOwnerReferences(blocking)
                .addToFinalizers("skiff.dev/hold")
                .endMetadata()
                .build())
        .create();
    client
        .secrets()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("fg-bystander")
                .addToOwnerReferences(ownerRef(job))
                .addToFinalizers("skiff.dev/hold")
                .endMetadata()
                .build())
        .create();

    client
        .batch()
        .v1()
        .jobs()
        .withName("fg-blocking")
        .withPropagationPolicy(DeletionPropagation.FOREGROUND)
        .delete();

    cluster.await(
        "both dependents being deleted",
        TIMEOUT,
        () ->
            client.configMaps().withName("fg-blocker").get().getMetadata().getDeletionTimestamp()
                    != null
                && client
                        .secrets()
                        .withName("fg-bystander")
                        .get()
                        .getMetadata()
                        .getDeletionTimestamp()
                    != null);
    cluster.await(
        "the Job's pods collected",
        TIMEOUT,
        () -> client.pods().withLabel("job-name", "fg-blocking").list().getItems().isEmpty());
    Job waiting = client.batch().v1().jobs().withName("fg-blocking").get();
    assertThat(waiting).as("held by the blocking ConfigMap").isNotNull();
    assertThat(waiting.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(waiting.getMetadata().getFinalizers()).contains("foregroundDeletion");

    client
        .configMaps()
        .withName("fg-blocker")
        .edit(c -> new ConfigMapBuilder(c).editMetadata().withFinalizers().endMetadata().build());

    cluster.await(
        "the Job deleted",
        TIMEOUT,
        () -> client.batch().v1().jobs().withName("fg-blocking").get() == null);
    assertThat(client.secrets().withName("fg-bystander").get())
        .as("not waited for: held by its own finalizer")
        .isNotNull();
    client
        .secrets()
        .withName("fg-bystander")
        .edit(c -> new SecretBuilder(c).editMetadata().withFinalizers().endMetadata().build());
    cluster.await(
        "the bystander gone",
        TIMEOUT,
        () -> client.secrets().withName("fg-bystander").get() == null);
  }

  @Test
  void aDependentWithALiveOwnerLosesOnlyItsReferenceToTheDeletedOne() {
    Job first = client.batch().v1().jobs().resource(job("first-owner", 0, noOpSpec())).create();
    Job second = client.batch().v1().jobs().resource(job("second-owner", 0, noOpSpec())).create();
    client
        .configMaps()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("shared")
                .addToOwnerReferences(ownerRef(first), ownerRef(second))
                .endMetadata()
                .build())
        .create();

    client
        .batch()
        .v1()
        .jobs()
        .withName("first-owner")
        .withPropagationPolicy(DeletionPropagation.FOREGROUND)
        .delete();

    cluster.await(
        "the first owner gone",
        TIMEOUT,
        () -> client.batch().v1().jobs().withName("first-owner").get() == null);
    cluster.await(
        "its reference dropped",
        TIMEOUT,
        () ->
            client.configMaps().withName("shared").get().getMetadata().getOwnerReferences().size()
                == 1);
    assertThat(client.configMaps().withName("shared").get().getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(second.getMetadata().getUid()));
    client
        .batch()
        .v1()
        .jobs()
        .withName("second-owner")
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
    cluster.await(
        "collected with its last owner",
        TIMEOUT,
        () -> client.configMaps().withName("shared").get() == null);
  }

  // ---- podFailurePolicy, deadlines, TTL ---------------------------------------------------------

  @Test
  void podFailurePolicyIgnoresADisruptionAndFailsTheJobOnAnExitCode() {
    cluster.failNextPod(FakeCluster.podLabeled("job-name", "policed"), FailureKind.EVICTED);
    client
        .batch()
        .v1()
        .jobs()
        .resource(
            new JobBuilder(job("policed", 0, Pods.scriptSpec("sleep:2000", "exit:42")))
                .editSpec()
                .withPodFailurePolicy(
                    new PodFailurePolicyBuilder()
                        .addNewRule()
                        .withAction("Ignore")
                        .addNewOnPodCondition()
                        .withType("DisruptionTarget")
                        .endOnPodCondition()
                        .endRule()
                        .addNewRule()
                        .withAction("FailJob")
                        .withNewOnExitCodes()
                        .withContainerName("main")
                        .withOperator("In")
                        .withValues(42)
                        .endOnExitCodes()
                        .endRule()
                        .build())
                .endSpec()
                .build())
        .create();

    Job job = cluster.awaitJob(NS, "policed", "Failed", TIMEOUT);

    List<PodRecord> attempts =
        cluster.podHistory().stream().filter(r -> "policed".equals(r.label("job-name"))).toList();
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0).reason()).isEqualTo("Evicted");
    JobCondition failed = condition(job, "Failed");
    assertThat(failed.getReason()).isEqualTo("PodFailurePolicy");
    assertThat(failed.getMessage())
        .isEqualTo(
            "Container main for pod "
                + NS
                + "/"
                + attempts.get(1).name()
                + " failed with exit code 42 matching FailJob rule at index 1");
    assertThat(job.getStatus().getFailed())
        .as("the eviction is not counted against backoffLimit 0")
        .isEqualTo(1);
    assertThat(cluster.events(NS, "policed"))
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("PodFailurePolicy");
              assertThat(e.getType()).isEqualTo("Warning");
            });
  }

  @Test
  void podFailurePolicyNeedsRestartPolicyNever() {
    Job onFailure =
        new JobBuilder(
                job(
                    "bad-policy",
                    0,
                    new PodSpecBuilder(Pods.scriptSpec("exit:0"))
                        .withRestartPolicy("OnFailure")
                        .build()))
            .editSpec()
            .withPodFailurePolicy(
                new PodFailurePolicyBuilder()
                    .addNewRule()
                    .withAction("Count")
                    .withNewOnExitCodes()
                    .withOperator("In")
                    .withValues(1)
                    .endOnExitCodes()
                    .endRule()
                    .build())
            .endSpec()
            .build();

    assertThatThrownBy(() -> client.batch().v1().jobs().resource(onFailure).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
              assertThat(e.getStatus().getMessage())
                  .isEqualTo(
                      "Job.batch \"bad-policy\" is invalid: spec.template.spec.restartPolicy:"
                          + " Invalid value: \"OnFailure\": only \"Never\" is supported when podFailurePolicy is specified");
              assertThat(e.getStatus().getDetails().getCauses())
                  .singleElement()
                  .satisfies(
                      c -> assertThat(c.getField()).isEqualTo("spec.template.spec.restartPolicy"));
            });
    assertThat(client.batch().v1().jobs().withName("bad-policy").get()).isNull();
  }

  @Test
  void activeDeadlineFailsTheJobAndDeletesItsPods() {
    client
        .batch()
        .v1()
        .jobs()
        .resource(
            new JobBuilder(job("deadline", 6, Pods.scriptSpec("sleep:600000")))
                .editSpec()
                .withActiveDeadlineSeconds(2L)
                .endSpec()
                .build())
        .create();
    String pod = awaitJobPod("deadline");

    Job job = cluster.awaitJob(NS, "deadline", "Failed", TIMEOUT);

    assertThat(condition(job, "Failed").getReason()).isEqualTo("DeadlineExceeded");
    assertThat(condition(job, "Failed").getMessage())
        .isEqualTo("Job was active longer than specified deadline");
    cluster.awaitPodGone(NS, pod, TIMEOUT);
    cluster.await(
        "process killed",
        TIMEOUT,
        () -> !cluster.podRecord(NS, pod).orElseThrow().containers().get(0).running());
  }

  @Test
  void finishedJobIsDeletedWithItsPodsAfterItsTtl() {
    client
        .batch()
        .v1()
        .jobs()
        .resource(
            new JobBuilder(job("short-lived", 0, noOpSpec()))
                .editSpec()
                .withTtlSecondsAfterFinished(1)
                .endSpec()
                .build())
        .create();
    cluster.awaitJob(NS, "short-lived", "Complete", TIMEOUT);
    String pod = awaitJobPod("short-lived");

    cluster.await(
        "the Job deleted after its TTL",
        TIMEOUT,
        () -> client.batch().v1().jobs().withName("short-lived").get() == null);
    cluster.awaitPodGone(NS, pod, TIMEOUT);
  }

  // ---- CronJob ----------------------------------------------------------------------------------

  @Test
  void cronJobSyncRunsTheLatestDueTimeOnceAndSkipsTimesPastTheStartingDeadline() {
    CronJob cron =
        client
            .batch()
            .v1()
            .cronjobs()
            .resource(cronJob("every5", "*/5 * * * *", noOpSpec()))
            .create();
    Instant created = Instant.parse(cron.getMetadata().getCreationTimestamp());
    Instant t5 = nextFiveMinutes(created);

    assertThat(cluster.syncCronJob(NS, "every5", t5.minusSeconds(1)))
        .as("nothing due yet")
        .isEmpty();
    Job late = cluster.syncCronJob(NS, "every5", t5.plus(2, ChronoUnit.MINUTES)).orElseThrow();
    assertThat(late.getMetadata().getName()).isEqualTo("every5-" + t5.getEpochSecond() / 60);
    assertThat(late.getMetadata().getAnnotations())
        .containsEntry("batch.kubernetes.io/cronjob-scheduled-timestamp", t5.toString());
    assertThat(cluster.syncCronJob(NS, "every5", t5.plus(3, ChronoUnit.MINUTES)))
        .as("a time runs once")
        .isEmpty();

    setCron("every5", b -> b.editSpec().withStartingDeadlineSeconds(60L).endSpec());
    Instant t10 = t5.plus(5, ChronoUnit.MINUTES);
    assertThat(cluster.syncCronJob(NS, "every5", t10.plus(2, ChronoUnit.MINUTES)))
        .as("missed by more than the deadline")
        .isEmpty();
    Job onTime =
        cluster
            .syncCronJob(NS, "every5", t10.plus(5, ChronoUnit.MINUTES).plusSeconds(30))
            .orElseThrow();
    assertThat(onTime.getMetadata().getName())
        .isEqualTo("every5-" + (t10.getEpochSecond() / 60 + 5));
    assertThat(client.batch().v1().jobs().withName("every5-" + t10.getEpochSecond() / 60).get())
        .isNull();
    assertThat(
            client
                .batch()
                .v1()
                .cronjobs()
                .withName("every5")
                .get()
                .getStatus()
                .getLastScheduleTime())
        .isEqualTo(t10.plus(5, ChronoUnit.MINUTES).toString());
  }

  @Test
  void cronJobTimeZoneSetsTheScheduleAndAnUnknownZoneOrScheduleIsRefused() {
    assertThatThrownBy(
            () ->
                client
                    .batch()
                    .v1()
                    .cronjobs()
                    .resource(
                        new CronJobBuilder(cronJob("on-mars", "0 3 * * *", noOpSpec()))
                            .editSpec()
                            .withTimeZone("Mars/Olympus")
                            .endSpec()
                            .build())
                    .create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getStatus().getMessage())
                  .isEqualTo(
                      "CronJob.batch \"on-mars\" is invalid: spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus");
            });
    assertThatThrownBy(
            () ->
                client
                    .batch()
                    .v1()
                    .cronjobs()
                    .resource(cronJob("typo", "0 25 * * *", noOpSpec()))
                    .create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e ->
                assertThat(e.getStatus().getMessage())
                    .isEqualTo(
                        "CronJob.batch \"typo\" is invalid: spec.schedule: Invalid value: \"0 25 * * *\": end of range (25) above maximum (23): 25"));

    CronJob tokyo =
        client
            .batch()
            .v1()
            .cronjobs()
            .resource(
                new CronJobBuilder(cronJob("tokyo", "0 3 * * *", noOpSpec()))
                    .editSpec()
                    .withTimeZone("Asia/Tokyo")
                    .endSpec()
                    .build())
            .create();
    Instant now =
        Instant.parse(tokyo.getMetadata().getCreationTimestamp()).plus(2, ChronoUnit.DAYS);

    Job job = cluster.syncCronJob(NS, "tokyo", now).orElseThrow();

    String scheduled =
        job.getMetadata().getAnnotations().get("batch.kubernetes.io/cronjob-scheduled-timestamp");
    assertThat(scheduled).endsWith("T03:00:00+09:00");
    Instant at = java.time.OffsetDateTime.parse(scheduled).toInstant();
    assertThat(at.atZone(java.time.ZoneOffset.UTC).getHour()).isEqualTo(18);
    assertThat(at).isBeforeOrEqualTo(now).isAfter(now.minus(1, ChronoUnit.DAYS));
    assertThat(job.getMetadata().getName()).isEqualTo("tokyo-" + at.getEpochSecond() / 60);
  }

  @Test
  void cronJobConcurrencyPoliciesAndSuspend() {
    client
        .batch()
        .v1()
        .cronjobs()
        .resource(
            new CronJobBuilder(cronJob("busy", "0 3 * * *", Pods.scriptSpec("sleep:600000")))
                .editSpec()
                .withConcurrencyPolicy("Forbid")
                .endSpec()
                .build())
        .create();
    Job first = cluster.fireCronJob(NS, "busy").orElseThrow();
    awaitJobPod(first.getMetadata().getName());

    assertThat(cluster.fireCronJob(NS, "busy")).as("Forbid while one runs").isEmpty();
    assertThat(cluster.events(NS, "busy"))
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("JobAlreadyActive"));

    setCron("busy", b -> b.editSpec().withConcurrencyPolicy("Replace").endSpec());
    Job second = cluster.fireCronJob(NS, "busy").orElseThrow();
    cluster.await("Replace deleted the running Job", TIMEOUT, () -> gone(first));
    assertThat(client.batch().v1().cronjobs().withName("busy").get().getStatus().getActive())
        .singleElement()
        .satisfies(r -> assertThat(r.getName()).isEqualTo(second.getMetadata().getName()));

    setCron("busy", b -> b.editSpec().withConcurrencyPolicy("Allow").endSpec());
    Job third = cluster.fireCronJob(NS, "busy").orElseThrow();
    assertThat(gone(second)).as("Allow: both run").isFalse();
    assertThat(client.batch().v1().cronjobs().withName("busy").get().getStatus().getActive())
        .hasSize(2);

    setCron("busy", b -> b.editSpec().withSuspend(true).endSpec());
    assertThat(cluster.fireCronJob(NS, "busy")).isEmpty();
    assertThat(cluster.syncCronJob(NS, "busy", Instant.now().plus(3, ChronoUnit.DAYS))).isEmpty();

    client
        .batch()
        .v1()
        .cronjobs()
        .withName("busy")
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
    cluster.await("its Jobs collected", TIMEOUT, () -> gone(second) && gone(third));
  }

  @Test
  void cronJobKeepsOnlyItsHistoryLimits() {
    client
        .batch()
        .v1()
        .cronjobs()
        .resource(
            new CronJobBuilder(cronJob("history", "0 3 * * *", noOpSpec()))
                .editSpec()
                .withSuccessfulJobsHistoryLimit(1)
                .withFailedJobsHistoryLimit(0)
                .endSpec()
                .build())
        .create();
    Job older = cluster.fireCronJob(NS, "history").orElseThrow();
    cluster.awaitJob(NS, older.getMetadata().getName(), "Complete", TIMEOUT);
    Job newer = cluster.fireCronJob(NS, "history").orElseThrow();
    cluster.awaitJob(NS, newer.getMetadata().getName(), "Complete", TIMEOUT);

    cluster.await("the older success deleted", TIMEOUT, () -> gone(older));
    assertThat(gone(newer)).isFalse();

    setCron(
        "history",
        b ->
            b.editSpec()
                .editJobTemplate()
                .editSpec()
                .editTemplate()
                .withSpec(Pods.scriptSpec("exit:1"))
                .endTemplate()
                .endSpec()
                .endJobTemplate()
                .endSpec());
    Job failing = cluster.fireCronJob(NS, "history").orElseThrow();
    cluster.await("the failure deleted (limit 0)", TIMEOUT, () -> gone(failing));
    assertThat(gone(newer)).isFalse();
    assertThat(cluster.events(NS, "history"))
        .anySatisfy(
            e ->
                assertThat(e.getMessage())
                    .isEqualTo("Deleted job " + older.getMetadata().getName()));
  }

  // ---- permissions --------------------------------------------------------------------------

  @Test
  void withoutOwnerReferencesPermissionEnforcementAnyAccountMayBlockOwnerDeletion() {
    Job owner =
        client
            .batch()
            .v1()
            .jobs()
            .resource(
                new JobBuilder(job("suspended-owner", 0, noOpSpec()))
                    .editSpec()
                    .withSuspend(true)
                    .endSpec()
                    .build())
            .create();
    OwnerReference blocking = ownerRef(owner);
    blocking.setBlockOwnerDeletion(true);
    KubernetesClient pod = cluster.serviceAccountClient(NS, "default");

    Pod created = pod.pods().resource(owned(Pods.noOp("blocks-freely"), blocking)).create();

    assertThat(created.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(r -> assertThat(r.getBlockOwnerDeletion()).isTrue());
    client
        .batch()
        .v1()
        .jobs()
        .withName("suspended-owner")
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
  }

  /** The Job no longer exists (a CronJob may reuse its name for a later Job). */
  private static boolean gone(Job job) {
    Job current = client.batch().v1().jobs().withName(job.getMetadata().getName()).get();
    return current == null || !current.getMetadata().getUid().equals(job.getMetadata().getUid());
  }

  private static int active(String job) {
    Job current = client.batch().v1().jobs().withName(job).get();
    return current == null || current.getStatus() == null || current.getStatus().getActive() == null
        ? 0
        : current.getStatus().getActive();
  }

  private String controllerUid(String pod) {
    Pod current = client.pods().withName(pod).get();
    OwnerReference controller = current == null ? null : Kube.controllerOf(current);
    return controller == null ? "" : controller.getUid();
  }

  private static Pod labeled(Pod pod, Map<String, String> labels) {
    return new PodBuilder(pod).editMetadata().addToLabels(labels).endMetadata().build();
  }

  private static Pod owned(Pod pod, OwnerReference owner) {
    return new PodBuilder(pod).editMetadata().addToOwnerReferences(owner).endMetadata().build();
  }

  private static JobCondition condition(Job job, String type) {
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  private static CronJob cronJob(String name, String schedule, PodSpec podSpec) {
    return new CronJobBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withSchedule(schedule)
        .withNewJobTemplate()
        .withNewSpec()
        .withBackoffLimit(0)
        .withNewTemplate()
        .withSpec(podSpec)
        .endTemplate()
        .endSpec()
        .endJobTemplate()
        .endSpec()
        .build();
  }

  /** Edits a CronJob's spec, again on a conflict (the controller writes its status meanwhile). */
  private static void setCron(
      String name, java.util.function.UnaryOperator<CronJobBuilder> change) {
    for (int attempt = 0; ; attempt++) {
      try {
        client
            .batch()
            .v1()
            .cronjobs()
            .withName(name)
            .edit(c -> change.apply(new CronJobBuilder(c)).build());
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt > 10) {
          throw e;
        }
      }
    }
  }

  private static Instant nextFiveMinutes(Instant after) {
    Instant minute = after.truncatedTo(ChronoUnit.MINUTES);
    long epochMinute = minute.getEpochSecond() / 60;
    return Instant.ofEpochSecond((epochMinute / 5 + 1) * 5 * 60);
  }

  private String awaitJobPod(String jobName) {
    cluster.await(
        "a pod for job " + jobName,
        TIMEOUT,
        () -> !client.pods().withLabel("job-name", jobName).list().getItems().isEmpty());
    return client
        .pods()
        .withLabel("job-name", jobName)
        .list()
        .getItems()
        .get(0)
        .getMetadata()
        .getName();
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
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(backoffLimit)
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", "skiff-orchestrator")
        .endMetadata()
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
