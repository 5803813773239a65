package dev.skiff.testing.kubernetes;

import static dev.skiff.testing.kubernetes.EventRecorder.NORMAL;
import static dev.skiff.testing.kubernetes.EventRecorder.WARNING;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpecBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The batch/v1 Job controller (pods from {@code spec.template}, ControllerRef claim/release of pods
 * by the Job's selector, {@code backoffLimit}, {@code podFailurePolicy}, {@code completions}/{@code
 * parallelism}, {@code activeDeadlineSeconds}, {@code suspend}, status and conditions), the
 * TTL-after-finished controller, and the CronJob controller (on demand, or for a given clock
 * reading). All reconciles run on one thread.
 */
final class JobController implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(JobController.class.getName());

  static final String JOB_NAME = "batch.kubernetes.io/job-name";
  static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
  private static final String LEGACY_JOB_NAME = "job-name";
  private static final String LEGACY_CONTROLLER_UID = "controller-uid";
  private static final String COMPONENT = "job-controller";

  private static final String CRON_COMPONENT = "cronjob-controller";
  static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

  /** IGNORED: failed, but a podFailurePolicy rule said not to count it against backoffLimit. */
  private enum Outcome {
    SUCCEEDED,
    FAILED,
    IGNORED
  }

  /** Pod outcomes counted for one Job (kept when pods are deleted, as status counters are). */
  private static final class Tracking {
    final Map<String, Outcome> outcomes = new LinkedHashMap<>();
    final Set<String> active = new HashSet<>();

    /** The last state seen of each active pod: a pod that vanishes is judged by it. */
    final Map<String, Pod> lastSeen = new HashMap<>();

    /** The message of the first podFailurePolicy FailJob match. */
    String failJob;
  }

  /**
   * Deletes an object with a propagation policy ({@code Background}, {@code Foreground}), as a
   * client would.
   */
  interface Deleter {
    void delete(HasMetadata object, String propagationPolicy);
  }

  private final KubernetesClient client;
  private final EventRecorder events;
  private final Function<String, Boolean> serviceAccountExists;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "fake-job-controller");
            thread.setDaemon(true);
            return thread;
          });
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final Map<String, Tracking> tracking = new ConcurrentHashMap<>();

  /** Jobs by namespace/name, to find the Jobs that may adopt an orphan pod. */
  private final Map<String, Job> known = new ConcurrentHashMap<>();

  /** Uids of finished Jobs with a TTL check pending. */
  private final Set<String> ttlPending = ConcurrentHashMap.newKeySet();

  private final Deleter deleter;

  JobController(
      KubernetesClient client,
      EventRecorder events,
      Function<String, Boolean> serviceAccountExists,
      Deleter deleter) {
    this.client = client;
    this.events = events;
    this.serviceAccountExists = serviceAccountExists;
    this.deleter = deleter;
  }

  // ---- triggers -----------------------------------------------------------------------------

  void onJob(Job job) {
    known.put(job.getMetadata().getNamespace() + "/" + job.getMetadata().getName(), job);
    enqueue(job.getMetadata().getNamespace(), job.getMetadata().getName(), Duration.ZERO);
  }

  void onJobDeleted(Job job) {
    known.remove(job.getMetadata().getNamespace() + "/" + job.getMetadata().getName(), job);
    known.values().removeIf(j -> j.getMetadata().getUid().equals(job.getMetadata().getUid()));
    tracking.remove(job.getMetadata().getUid());
  }

  void onPod(Pod pod) {
    OwnerReference owner = Kube.controllerOf(pod);
    if (owner != null) {
      if ("Job".equals(owner.getKind())) {
        enqueue(pod.getMetadata().getNamespace(), owner.getName(), Duration.ZERO);
      }
      return;
    }
    // An orphan: every Job whose selector matches it may adopt it (the controller's addPod).
    if (pod.getMetadata().getDeletionTimestamp() == null) {
      for (Job job : known.values()) {
        if (job.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace())
            && Kube.matches(selectorOf(job), pod.getMetadata().getLabels())) {
          enqueue(job.getMetadata().getNamespace(), job.getMetadata().getName(), Duration.ZERO);
        }
      }
    }
  }

  private void enqueue(String namespace, String name, Duration delay) {
    String key = namespace + "/" + name;
    if (!delay.isZero()) {
      try {
        loop.schedule(
            () -> enqueue(namespace, name, Duration.ZERO), delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
      return;
    }
    if (queued.add(key)) {
      try {
        loop.execute(
            () -> {
              queued.remove(key);
              try {
                reconcile(namespace, name);
              } catch (RuntimeException e) {
                LOG.log(Level.FINE, "job reconcile failed for " + key, e);
                enqueue(namespace, name, Duration.ofMillis(500));
              }
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        queued.remove(key); // closing
      }
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }

  // ---- Job ------------------------------------------------------------------------------------

  private void reconcile(String namespace, String name) {
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    if (job == null || job.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    known.put(namespace + "/" + name, job);
    String uid = job.getMetadata().getUid();
    JobStatus current = job.getStatus() == null ? new JobStatus() : job.getStatus();
    if (finished(current)) {
      expireAfterFinished(job);
      return;
    }
    Tracking track = tracking.computeIfAbsent(uid, k -> new Tracking());
    var spec = job.getSpec();
    boolean failurePolicy = spec.getPodFailurePolicy() != null;
    List<Pod> all = client.pods().inNamespace(namespace).list().getItems();
    List<Pod> pods = claimPods(job, all);
    Set<String> present = new HashSet<>();
    all.forEach(p -> present.add(p.getMetadata().getUid()));
    Set<String> claimed = new HashSet<>();
    List<Pod> active = new ArrayList<>();
    int ready = 0;
    for (Pod pod : pods) {
      String podUid = pod.getMetadata().getUid();
      claimed.add(podUid);
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if ("Succeeded".equals(phase)) {
        track.outcomes.putIfAbsent(podUid, Outcome.SUCCEEDED);
        track.active.remove(podUid);
      } else if ("Failed".equals(phase)) {
        countFailure(job, pod, track);
      } else if (pod.getMetadata().getDeletionTimestamp() == null) {
        active.add(pod);
        track.active.add(podUid);
        track.lastSeen.put(podUid, pod);
        if (isReady(pod)) {
          ready++;
        }
      } else if (!failurePolicy) {
        // isPodFailed: a deleted pod that did not succeed counts as failed at once, unless a
        // podFailurePolicy waits for its terminal phase to judge it.
        countFailure(job, pod, track);
      }
    }
    for (String podUid : List.copyOf(track.active)) {
      if (!present.contains(podUid)) {
        // Gone while active (evicted, node lost): pod GC would have marked it Failed first.
        Pod last = track.lastSeen.get(podUid);
        countFailure(
            job,
            last != null
                ? last
                : new PodBuilder().withNewMetadata().withUid(podUid).endMetadata().build(),
            track);
      } else if (!claimed.contains(podUid)) {
        track.active.remove(podUid); // released, or orphaned by someone: no longer ours to count
        track.lastSeen.remove(podUid);
      }
    }
    int succeeded =
        (int) track.outcomes.values().stream().filter(o -> o == Outcome.SUCCEEDED).count();
    int failed = (int) track.outcomes.values().stream().filter(o -> o == Outcome.FAILED).count();

    int completions = spec.getCompletions() == null ? 1 : spec.getCompletions();
    int parallelism = spec.getParallelism() == null ? 1 : spec.getParallelism();
    int backoffLimit = spec.getBackoffLimit() == null ? 6 : spec.getBackoffLimit();
    boolean suspended = Boolean.TRUE.equals(spec.getSuspend());

    JobStatus next = copy(current);
    String now = Kube.now();
    List<JobCondition> conditions =
        new ArrayList<>(next.getConditions() == null ? List.of() : next.getConditions());
    boolean finishing = false;
    if (!suspended && next.getStartTime() == null) {
      next.setStartTime(now);
    }
    Instant start = Kube.parseTime(next.getStartTime());
    // syncJob's order: a FailJob rule, then the backoff limit, then the deadline, then success.
    String[] failure = null;
    if (track.failJob != null) {
      failure = new String[] {"PodFailurePolicy", track.failJob};
    } else if (failed > backoffLimit) {
      failure =
          new String[] {"BackoffLimitExceeded", "Job has reached the specified backoff limit"};
    } else if (!suspended
        && spec.getActiveDeadlineSeconds() != null
        && start != null
        && !Instant.now().isBefore(start.plusSeconds(spec.getActiveDeadlineSeconds()))) {
      failure = new String[] {"DeadlineExceeded", "Job was active longer than specified deadline"};
    }
    if (failure != null) {
      conditions.add(jobCondition("FailureTarget", failure[0], failure[1], now));
      conditions.add(jobCondition("Failed", failure[0], failure[1], now));
      events.record(job, null, WARNING, failure[0], failure[1], COMPONENT);
      deleteAll(active);
      active = List.of();
      finishing = true;
    } else if (succeeded >= completions) {
      conditions.add(
          jobCondition(
              "SuccessCriteriaMet",
              "CompletionsReached",
              "Reached expected number of succeeded pods",
              now));
      conditions.add(
          jobCondition(
              "Complete", "CompletionsReached", "Reached expected number of succeeded pods", now));
      next.setCompletionTime(now);
      events.record(job, null, NORMAL, "Completed", "Job completed", COMPONENT);
      deleteAll(active);
      active = List.of();
      finishing = true;
    } else if (suspended) {
      deleteAll(active);
      active = List.of();
    } else {
      int wanted = Math.min(parallelism, completions - succeeded);
      List<Pod> started = new ArrayList<>(active);
      for (int i = active.size(); i < wanted; i++) {
        Pod pod = createPod(job);
        if (pod == null) {
          enqueue(namespace, name, Duration.ofSeconds(1));
          break;
        }
        track.active.add(pod.getMetadata().getUid());
        track.lastSeen.put(pod.getMetadata().getUid(), pod);
        started.add(pod);
      }
      active = started;
      if (spec.getActiveDeadlineSeconds() != null && start != null) {
        Duration left =
            Duration.between(Instant.now(), start.plusSeconds(spec.getActiveDeadlineSeconds()));
        enqueue(namespace, name, left.isNegative() ? Duration.ofMillis(1) : left.plusMillis(10));
      }
    }
    next.setConditions(conditions.isEmpty() ? null : conditions);
    next.setActive(active.isEmpty() ? null : active.size());
    next.setReady(finishing ? 0 : ready);
    next.setTerminating(0);
    next.setSucceeded(succeeded == 0 ? null : succeeded);
    next.setFailed(failed == 0 ? null : failed);
    next.setUncountedTerminatedPods(new UncountedTerminatedPods());
    if (!next.equals(job.getStatus())) {
      writeStatus(namespace, name, next);
    }
    if (finishing) {
      tracking.remove(uid);
      job.setStatus(next);
      onFinished(job, next);
      expireAfterFinished(job);
    }
  }

  /** Records a failed pod once, as podFailurePolicy judges it. */
  private static void countFailure(Job job, Pod pod, Tracking track) {
    String podUid = pod.getMetadata().getUid();
    track.active.remove(podUid);
    track.lastSeen.remove(podUid);
    if (track.outcomes.containsKey(podUid)) {
      return;
    }
    PodFailurePolicy.Verdict verdict =
        PodFailurePolicy.judge(job.getSpec().getPodFailurePolicy(), pod);
    track.outcomes.put(podUid, verdict.counted() ? Outcome.FAILED : Outcome.IGNORED);
    if (verdict.failJobMessage() != null && track.failJob == null) {
      track.failJob = verdict.failJobMessage();
    }
  }

  /**
   * The Job's selector: {@code spec.selector}, or the one the API server generates ({@code
   * controller-uid} of the Job) when the Job does not choose its own.
   */
  static LabelSelector selectorOf(Job job) {
    if (job.getSpec() != null && job.getSpec().getSelector() != null) {
      return job.getSpec().getSelector();
    }
    return new LabelSelectorBuilder()
        .addToMatchLabels(CONTROLLER_UID, job.getMetadata().getUid())
        .build();
  }

  /**
   * controller_ref_manager.go ClaimPods: the Job's pods are those it controls that match its
   * selector. It adopts orphans that match (adds its controller reference), releases pods it
   * controls that no longer match (removes its reference, so it neither counts them nor takes them
   * along when deleted), and ignores pods controlled by others. Non-controller references are not
   * its business.
   */
  private List<Pod> claimPods(Job job, List<Pod> pods) {
    String uid = job.getMetadata().getUid();
    LabelSelector selector = selectorOf(job);
    List<Pod> claimed = new ArrayList<>();
    Boolean canAdopt = null;
    for (Pod pod : pods) {
      OwnerReference controller = Kube.controllerOf(pod);
      boolean match = Kube.matches(selector, pod.getMetadata().getLabels());
      if (controller != null) {
        if (!uid.equals(controller.getUid())) {
          continue;
        }
        if (match) {
          claimed.add(pod);
        } else {
          release(pod, uid);
        }
        continue;
      }
      if (!match || pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      if (canAdopt == null) {
        // RecheckDeletionTimestamp: adopt only for a Job that is still there and not being deleted.
        Job fresh =
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(job.getMetadata().getNamespace())
                .withName(job.getMetadata().getName())
                .get();
        canAdopt =
            fresh != null
                && uid.equals(fresh.getMetadata().getUid())
                && fresh.getMetadata().getDeletionTimestamp() == null;
      }
      if (canAdopt) {
        Pod adopted = adopt(pod, job);
        if (adopted != null) {
          claimed.add(adopted);
        }
      }
    }
    return claimed;
  }

  private Pod adopt(Pod pod, Job job) {
    try {
      return client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .edit(
              p -> {
                if (Kube.controllerOf(p) != null) {
                  return p; // claimed by someone else meanwhile: ValidateOwnerReferences allows one
                  // controller
                }
                List<OwnerReference> refs =
                    new ArrayList<>(
                        p.getMetadata().getOwnerReferences() == null
                            ? List.of()
                            : p.getMetadata().getOwnerReferences());
                // The adoption patch merges by uid: a plain reference to the Job becomes its
                // controller reference.
                refs.removeIf(r -> job.getMetadata().getUid().equals(r.getUid()));
                refs.add(Kube.controllerRef(job));
                return new PodBuilder(p)
                    .editMetadata()
                    .withOwnerReferences(refs)
                    .endMetadata()
                    .build();
              });
    } catch (KubernetesClientException e) {
      return null; // gone meanwhile
    }
  }

  private void release(Pod pod, String jobUid) {
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .edit(
              p -> {
                List<OwnerReference> refs =
                    new ArrayList<>(
                        p.getMetadata().getOwnerReferences() == null
                            ? List.of()
                            : p.getMetadata().getOwnerReferences());
                refs.removeIf(r -> jobUid.equals(r.getUid()));
                return new PodBuilder(p)
                    .editMetadata()
                    .withOwnerReferences(refs.isEmpty() ? null : refs)
                    .endMetadata()
                    .build();
              });
    } catch (KubernetesClientException e) {
      // gone meanwhile
    }
  }

  /**
   * The TTL-after-finished controller: a finished Job with {@code ttlSecondsAfterFinished} is
   * deleted that long after its Complete/Failed condition, with Foreground propagation (so its pods
   * go before it).
   */
  private void expireAfterFinished(Job job) {
    Integer ttl = job.getSpec().getTtlSecondsAfterFinished();
    if (ttl == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
      return;
    }
    Instant finishedAt =
        job.getStatus().getConditions().stream()
            .filter(
                c ->
                    ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                        && "True".equals(c.getStatus()))
            .map(c -> Kube.parseTime(c.getLastTransitionTime()))
            .filter(Objects::nonNull)
            .findFirst()
            .orElse(null);
    if (finishedAt == null) {
      return;
    }
    Duration left = Duration.between(Instant.now(), finishedAt.plusSeconds(ttl));
    if (left.isNegative() || left.isZero()) {
      deleter.delete(job, "Foreground");
      return;
    }
    String namespace = job.getMetadata().getNamespace();
    String name = job.getMetadata().getName();
    String uid = job.getMetadata().getUid();
    if (!ttlPending.add(uid)) {
      return;
    }
    try {
      loop.schedule(
          () -> {
            ttlPending.remove(uid);
            try {
              Job fresh = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
              // The TTL is checked again on the latest Job: it may have changed, or be another Job.
              if (fresh != null
                  && fresh.getMetadata().getUid().equals(job.getMetadata().getUid())
                  && fresh.getMetadata().getDeletionTimestamp() == null
                  && fresh.getStatus() != null
                  && finished(fresh.getStatus())) {
                expireAfterFinished(fresh);
              }
            } catch (RuntimeException e) {
              LOG.log(Level.FINE, "TTL check failed for " + namespace + "/" + name, e);
            }
          },
          left.toMillis() + 10,
          TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private Pod createPod(Job job) {
    PodTemplateSpec template = job.getSpec().getTemplate();
    ObjectMeta meta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    String namespace = job.getMetadata().getNamespace();
    String jobName = job.getMetadata().getName();
    String uid = job.getMetadata().getUid();
    String account = template.getSpec().getServiceAccountName();
    String podName = Kube.generateName(jobName + "-");
    if (account != null
        && !account.isEmpty()
        && !"default".equals(account)
        && !serviceAccountExists.apply(namespace + "/" + account)) {
      events.record(
          job,
          null,
          WARNING,
          "FailedCreate",
          "Error creating: pods \""
              + podName
              + "\" is forbidden: error looking up service account "
              + namespace
              + "/"
              + account
              + ": serviceaccount \""
              + account
              + "\" not found",
          COMPONENT);
      return null;
    }
    Map<String, String> labels =
        new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
    labels.put(CONTROLLER_UID, uid);
    labels.put(JOB_NAME, jobName);
    labels.put(LEGACY_CONTROLLER_UID, uid);
    labels.put(LEGACY_JOB_NAME, jobName);
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(podName)
            .withNamespace(namespace)
            .withLabels(labels)
            .withAnnotations(meta.getAnnotations())
            .withOwnerReferences(Kube.controllerRef(job))
            .endMetadata()
            .withSpec(new PodSpecBuilder(template.getSpec()).build())
            .build();
    try {
      Pod created = client.pods().inNamespace(namespace).resource(pod).create();
      events.record(job, null, NORMAL, "SuccessfulCreate", "Created pod: " + podName, COMPONENT);
      return created;
    } catch (KubernetesClientException e) {
      events.record(
          job, null, WARNING, "FailedCreate", "Error creating: " + e.getMessage(), COMPONENT);
      return null;
    }
  }

  private void deleteAll(List<Pod> pods) {
    for (Pod pod : pods) {
      try {
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .delete();
      } catch (KubernetesClientException e) {
        // already gone
      }
    }
  }

  private void writeStatus(String namespace, String name, JobStatus status) {
    for (int attempt = 0; attempt < 20; attempt++) {
      Job fresh = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
      if (fresh == null) {
        return;
      }
      fresh.setStatus(status);
      try {
        client.batch().v1().jobs().inNamespace(namespace).resource(fresh).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return;
        }
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
  }

  private static boolean finished(JobStatus status) {
    return status.getConditions() != null
        && status.getConditions().stream()
            .anyMatch(
                c ->
                    ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                        && "True".equals(c.getStatus()));
  }

  private static boolean isReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static JobCondition jobCondition(String type, String reason, String message, String now) {
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(message)
        .withLastProbeTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  private static JobStatus copy(JobStatus status) {
    return Backend.JSON.convertValue(status, JobStatus.class);
  }

  // ---- CronJob ------------------------------------------------------------------------------

  /** {@link #fire} on the controller thread (it edits CronJob status like the reconciles do). */
  Optional<Job> fireOnLoop(String namespace, String name) {
    return onLoop(() -> fire(namespace, name));
  }

  /** {@link #syncCronJob} on the controller thread. */
  Optional<Job> syncCronJobOnLoop(String namespace, String name, Instant now) {
    return onLoop(() -> syncCronJob(namespace, name, now));
  }

  private <T> T onLoop(java.util.concurrent.Callable<T> work) {
    try {
      return loop.submit(work).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Creates the Job a schedule tick would create now; empty if the CronJob's policy says no. */
  Optional<Job> fire(String namespace, String name) {
    CronJob cronJob = cronJob(namespace, name);
    if (Boolean.TRUE.equals(cronJob.getSpec().getSuspend())) {
      return Optional.empty();
    }
    if (!admitConcurrent(cronJob)) {
      return Optional.empty();
    }
    Instant scheduled = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    Job created = null;
    long minutes = scheduled.getEpochSecond() / 60;
    for (int i = 0; created == null && i < 1000; i++) {
      try {
        created =
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(namespace)
                .resource(jobFor(cronJob, name + "-" + (minutes + i), scheduled))
                .create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    Objects.requireNonNull(created, "could not name the Job");
    started(cronJob, created, scheduled);
    cleanupFinishedJobs(cronJob(namespace, name));
    return Optional.of(created);
  }

  /**
   * cronjob_controllerv2.go syncCronJob with the clock reading {@code now}: the most recent
   * schedule time not yet run, since the last one run (or the CronJob's creation) but not before
   * {@code now - startingDeadlineSeconds}, in the CronJob's {@code timeZone}; a time missed by more
   * than the deadline is skipped ({@code MissSchedule}); then {@code suspend} and {@code
   * concurrencyPolicy} apply; the Job is named after the scheduled minute, so a time runs once.
   * Finished Jobs beyond the history limits are deleted. Empty when no Job was created.
   */
  Optional<Job> syncCronJob(String namespace, String name, Instant now) {
    CronJob cronJob = cronJob(namespace, name);
    reconcileActive(cronJob);
    cronJob = cronJob(namespace, name);
    try {
      if (cronJob.getMetadata().getDeletionTimestamp() != null) {
        return Optional.empty();
      }
      var spec = cronJob.getSpec();
      java.time.ZoneId zone = java.time.ZoneOffset.UTC;
      if (spec.getTimeZone() != null) {
        Optional<java.time.ZoneId> found = CronSchedule.zone(spec.getTimeZone());
        if (found.isEmpty()) {
          events.record(
              cronJob,
              null,
              WARNING,
              "UnknownTimeZone",
              "invalid timeZone: \""
                  + spec.getTimeZone()
                  + "\": unknown time zone "
                  + spec.getTimeZone(),
              CRON_COMPONENT);
          return Optional.empty();
        }
        zone = found.get();
      }
      if (Boolean.TRUE.equals(spec.getSuspend())) {
        return Optional.empty();
      }
      CronSchedule schedule;
      try {
        schedule = CronSchedule.parse(spec.getSchedule(), zone);
      } catch (IllegalArgumentException e) {
        events.record(
            cronJob,
            null,
            WARNING,
            "UnparseableSchedule",
            "unparseable schedule: \"" + spec.getSchedule() + "\" : " + e.getMessage(),
            CRON_COMPONENT);
        return Optional.empty();
      }
      Instant scheduled = mostRecentScheduleTime(cronJob, now, schedule);
      if (scheduled == null) {
        return Optional.empty();
      }
      if (spec.getStartingDeadlineSeconds() != null
          && scheduled.plusSeconds(spec.getStartingDeadlineSeconds()).isBefore(now)) {
        events.record(
            cronJob,
            null,
            WARNING,
            "MissSchedule",
            "Missed scheduled time to start a job: "
                + RFC1123Z.format(scheduled.atZone(java.time.ZoneOffset.UTC)),
            CRON_COMPONENT);
        return Optional.empty();
      }
      String jobName = name + "-" + scheduled.getEpochSecond() / 60;
      CronJobStatus status =
          cronJob.getStatus() == null ? new CronJobStatus() : cronJob.getStatus();
      boolean ran =
          (status.getActive() != null
                  && status.getActive().stream().anyMatch(r -> jobName.equals(r.getName())))
              || scheduled.equals(Kube.parseTime(status.getLastScheduleTime()));
      if (ran || !admitConcurrent(cronJob)) {
        return Optional.empty();
      }
      Job created;
      try {
        created =
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(namespace)
                .resource(jobFor(cronJob, jobName, scheduled))
                .create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          events.record(
              cronJob,
              null,
              WARNING,
              "FailedCreate",
              "Error creating job: " + e.getMessage(),
              CRON_COMPONENT);
          throw e;
        }
        // Created before, the status update lost: record it if it is ours.
        Job existing = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        OwnerReference owner = existing == null ? null : Kube.controllerOf(existing);
        if (owner != null && cronJob.getMetadata().getUid().equals(owner.getUid())) {
          editCronStatus(
              namespace,
              name,
              s -> {
                List<ObjectReference> active =
                    new ArrayList<>(s.getActive() == null ? List.of() : s.getActive());
                if (active.stream()
                    .noneMatch(r -> existing.getMetadata().getUid().equals(r.getUid()))) {
                  active.add(reference(existing));
                }
                s.setActive(active);
                s.setLastScheduleTime(Kube.time(scheduled));
              });
        }
        return Optional.empty();
      }
      started(cronJob, created, scheduled);
      return Optional.of(created);
    } finally {
      cleanupFinishedJobs(cronJob(namespace, name));
    }
  }

  private static final java.time.format.DateTimeFormatter RFC1123Z =
      java.time.format.DateTimeFormatter.ofPattern(
          "EEE, dd MMM yyyy HH:mm:ss Z", java.util.Locale.ENGLISH);

  /**
   * utils.go mostRecentScheduleTime: the latest activation in (earliest, now], where earliest is
   * the last schedule time (or the creation) moved up to {@code now - startingDeadlineSeconds};
   * more than 100 missed activations are reported ({@code TooManyMissedTimes}).
   */
  private Instant mostRecentScheduleTime(CronJob cronJob, Instant now, CronSchedule schedule) {
    Instant earliest = Kube.parseTime(cronJob.getMetadata().getCreationTimestamp());
    if (cronJob.getStatus() != null && cronJob.getStatus().getLastScheduleTime() != null) {
      earliest = Kube.parseTime(cronJob.getStatus().getLastScheduleTime());
    }
    if (earliest == null) {
      earliest = now;
    }
    Long deadline = cronJob.getSpec().getStartingDeadlineSeconds();
    if (deadline != null && now.minusSeconds(deadline).isAfter(earliest)) {
      earliest = now.minusSeconds(deadline);
    }
    Instant recent = null;
    int missed = 0;
    for (Instant t = schedule.next(earliest); t != null && !t.isAfter(now); t = schedule.next(t)) {
      recent = t;
      if (++missed > 100_000) {
        break;
      }
    }
    if (missed > 100) {
      events.record(
          cronJob,
          null,
          WARNING,
          "TooManyMissedTimes",
          "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
          CRON_COMPONENT);
    }
    return recent;
  }

  /**
   * concurrencyPolicy: Forbid skips a firing while a Job runs; Replace deletes the running ones
   * first.
   */
  private boolean admitConcurrent(CronJob cronJob) {
    String namespace = cronJob.getMetadata().getNamespace();
    List<Job> running =
        controlledJobs(cronJob).stream()
            .filter(j -> j.getStatus() == null || !finished(j.getStatus()))
            .toList();
    String policy =
        cronJob.getSpec().getConcurrencyPolicy() == null
            ? "Allow"
            : cronJob.getSpec().getConcurrencyPolicy();
    if ("Forbid".equals(policy) && !running.isEmpty()) {
      events.record(
          cronJob,
          null,
          NORMAL,
          "JobAlreadyActive",
          "Not starting job because prior execution is running and concurrency policy is Forbid",
          CRON_COMPONENT);
      return false;
    }
    if ("Replace".equals(policy)) {
      for (Job job : running) {
        deleter.delete(job, "Background");
        events.record(
            cronJob,
            null,
            NORMAL,
            "SuccessfulDelete",
            "Deleted job " + job.getMetadata().getName(),
            CRON_COMPONENT);
      }
      if (!running.isEmpty()) {
        Set<String> gone = new HashSet<>();
        running.forEach(j -> gone.add(j.getMetadata().getUid()));
        editCronStatus(
            namespace,
            cronJob.getMetadata().getName(),
            status -> {
              if (status.getActive() != null) {
                List<ObjectReference> active = new ArrayList<>(status.getActive());
                active.removeIf(r -> gone.contains(r.getUid()));
                status.setActive(active.isEmpty() ? null : active);
              }
            });
      }
    }
    return true;
  }

  /**
   * getJobFromTemplate2: the template's labels and annotations, the scheduled time in the CronJob's
   * zone.
   */
  private static Job jobFor(CronJob cronJob, String jobName, Instant scheduled) {
    JobTemplateSpec template = cronJob.getSpec().getJobTemplate();
    ObjectMeta meta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    Map<String, String> annotations =
        new LinkedHashMap<>(meta.getAnnotations() == null ? Map.of() : meta.getAnnotations());
    java.time.ZoneId zone =
        cronJob.getSpec().getTimeZone() == null
            ? java.time.ZoneOffset.UTC
            : CronSchedule.zone(cronJob.getSpec().getTimeZone()).orElse(java.time.ZoneOffset.UTC);
    annotations.put(
        SCHEDULED_TIMESTAMP,
        java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
            scheduled.atZone(zone).toOffsetDateTime()));
    return new JobBuilder()
        .withNewMetadata()
        .withName(jobName)
        .withNamespace(cronJob.getMetadata().getNamespace())
        .withLabels(meta.getLabels())
        .withAnnotations(annotations)
        .withOwnerReferences(Kube.controllerRef(cronJob))
        .endMetadata()
        .withSpec(new JobSpecBuilder(template.getSpec()).build())
        .build();
  }

  private void started(CronJob cronJob, Job created, Instant scheduled) {
    events.record(
        cronJob,
        null,
        NORMAL,
        "SuccessfulCreate",
        "Created job " + created.getMetadata().getName(),
        CRON_COMPONENT);
    editCronStatus(
        cronJob.getMetadata().getNamespace(),
        cronJob.getMetadata().getName(),
        status -> {
          List<ObjectReference> active =
              new ArrayList<>(status.getActive() == null ? List.of() : status.getActive());
          active.add(reference(created));
          status.setActive(active);
          status.setLastScheduleTime(Kube.time(scheduled));
        });
  }

  private CronJob cronJob(String namespace, String name) {
    CronJob cronJob = client.batch().v1().cronjobs().inNamespace(namespace).withName(name).get();
    if (cronJob == null) {
      throw new IllegalArgumentException("no CronJob " + namespace + "/" + name);
    }
    return cronJob;
  }

  /** The start of syncCronJob: finished or vanished Jobs leave the active list. */
  private void reconcileActive(CronJob cronJob) {
    List<Job> jobs = controlledJobs(cronJob);
    Map<String, Job> byUid = new HashMap<>();
    jobs.forEach(j -> byUid.put(j.getMetadata().getUid(), j));
    List<ObjectReference> active =
        cronJob.getStatus() == null || cronJob.getStatus().getActive() == null
            ? List.of()
            : cronJob.getStatus().getActive();
    Set<String> drop = new HashSet<>();
    for (ObjectReference ref : active) {
      Job job = byUid.get(ref.getUid());
      if (job == null) {
        events.record(
            cronJob,
            null,
            NORMAL,
            "MissingJob",
            "Active job went missing: " + ref.getName(),
            CRON_COMPONENT);
        drop.add(ref.getUid());
      } else if (job.getStatus() != null && finished(job.getStatus())) {
        events.record(
            cronJob,
            null,
            NORMAL,
            "SawCompletedJob",
            "Saw completed job: "
                + job.getMetadata().getName()
                + ", status: "
                + (hasCondition(job, "Complete") ? "Complete" : "Failed"),
            CRON_COMPONENT);
        drop.add(ref.getUid());
      }
    }
    if (!drop.isEmpty()) {
      editCronStatus(
          cronJob.getMetadata().getNamespace(),
          cronJob.getMetadata().getName(),
          status -> {
            if (status.getActive() != null) {
              List<ObjectReference> left = new ArrayList<>(status.getActive());
              left.removeIf(r -> drop.contains(r.getUid()));
              status.setActive(left.isEmpty() ? null : left);
            }
          });
    }
  }

  private void onFinished(Job job, JobStatus status) {
    OwnerReference owner = Kube.controllerOf(job);
    if (owner == null || !"CronJob".equals(owner.getKind())) {
      return;
    }
    String namespace = job.getMetadata().getNamespace();
    boolean complete =
        status.getConditions().stream().anyMatch(c -> "Complete".equals(c.getType()));
    CronJob cronJob =
        client.batch().v1().cronjobs().inNamespace(namespace).withName(owner.getName()).get();
    if (cronJob == null || !owner.getUid().equals(cronJob.getMetadata().getUid())) {
      return;
    }
    events.record(
        cronJob,
        null,
        NORMAL,
        "SawCompletedJob",
        "Saw completed job: "
            + job.getMetadata().getName()
            + ", status: "
            + (complete ? "Complete" : "Failed"),
        CRON_COMPONENT);
    editCronStatus(
        namespace,
        owner.getName(),
        cronStatus -> {
          if (cronStatus.getActive() != null) {
            List<ObjectReference> active = new ArrayList<>(cronStatus.getActive());
            active.removeIf(r -> job.getMetadata().getUid().equals(r.getUid()));
            cronStatus.setActive(active.isEmpty() ? null : active);
          }
          if (complete) {
            cronStatus.setLastSuccessfulTime(status.getCompletionTime());
          }
        });
    cleanupFinishedJobs(
        client.batch().v1().cronjobs().inNamespace(namespace).withName(owner.getName()).get());
  }

  /**
   * cleanupFinishedJobs: beyond {@code successfulJobsHistoryLimit} (default 3) and {@code
   * failedJobsHistoryLimit} (default 1), the finished Jobs that started first are deleted
   * (Background propagation).
   */
  private void cleanupFinishedJobs(CronJob cronJob) {
    if (cronJob == null) {
      return;
    }
    int keepSucceeded =
        cronJob.getSpec().getSuccessfulJobsHistoryLimit() == null
            ? 3
            : cronJob.getSpec().getSuccessfulJobsHistoryLimit();
    int keepFailed =
        cronJob.getSpec().getFailedJobsHistoryLimit() == null
            ? 1
            : cronJob.getSpec().getFailedJobsHistoryLimit();
    List<Job> owned =
        controlledJobs(cronJob).stream()
            .filter(
                j ->
                    j.getMetadata().getDeletionTimestamp() == null
                        && j.getStatus() != null
                        && finished(j.getStatus()))
            .toList();
    prune(owned.stream().filter(j -> hasCondition(j, "Complete")).toList(), keepSucceeded, cronJob);
    prune(owned.stream().filter(j -> hasCondition(j, "Failed")).toList(), keepFailed, cronJob);
  }

  private void prune(List<Job> finishedJobs, int keep, CronJob cronJob) {
    List<Job> sorted = new ArrayList<>(finishedJobs);
    // byJobStartTime: by status.startTime (Jobs without one last), then by name.
    sorted.sort(
        Comparator.comparing(
                (Job j) -> Kube.parseTime(j.getStatus().getStartTime()),
                Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(j -> j.getMetadata().getName()));
    for (int i = 0; i < sorted.size() - keep; i++) {
      Job job = sorted.get(i);
      deleter.delete(job, "Background");
      events.record(
          cronJob,
          null,
          NORMAL,
          "SuccessfulDelete",
          "Deleted job " + job.getMetadata().getName(),
          CRON_COMPONENT);
    }
  }

  private static boolean hasCondition(Job job, String type) {
    return job.getStatus().getConditions().stream()
        .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private List<Job> controlledJobs(CronJob cronJob) {
    String uid = cronJob.getMetadata().getUid();
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(cronJob.getMetadata().getNamespace())
        .list()
        .getItems()
        .stream()
        .filter(
            j -> {
              OwnerReference controller = Kube.controllerOf(j);
              return controller != null && uid.equals(controller.getUid());
            })
        .toList();
  }

  private void editCronStatus(
      String namespace, String name, java.util.function.Consumer<CronJobStatus> edit) {
    for (int attempt = 0; attempt < 20; attempt++) {
      CronJob fresh = client.batch().v1().cronjobs().inNamespace(namespace).withName(name).get();
      if (fresh == null) {
        return;
      }
      CronJobStatus status = fresh.getStatus() == null ? new CronJobStatus() : fresh.getStatus();
      edit.accept(status);
      fresh.setStatus(status);
      try {
        client.batch().v1().cronjobs().inNamespace(namespace).resource(fresh).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
  }

  private static ObjectReference reference(Job job) {
    return new ObjectReferenceBuilder()
        .withApiVersion("batch/v1")
        .withKind("Job")
        .withName(job.getMetadata().getName())
        .withNamespace(job.getMetadata().getNamespace())
        .withUid(job.getMetadata().getUid())
        .withResourceVersion(job.getMetadata().getResourceVersion())
        .build();
  }
}
