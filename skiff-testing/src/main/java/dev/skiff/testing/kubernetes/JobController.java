package dev.skiff.testing.kubernetes;

import static dev.skiff.testing.kubernetes.EventRecorder.NORMAL;
import static dev.skiff.testing.kubernetes.EventRecorder.WARNING;

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
 * The batch/v1 Job controller (pods from {@code spec.template}, {@code backoffLimit},
 * {@code completions}/{@code parallelism}, {@code activeDeadlineSeconds}, {@code suspend}, status
 * and conditions) and CronJob firing on demand. All reconciles run on one thread.
 */
final class JobController implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(JobController.class.getName());

  static final String JOB_NAME = "batch.kubernetes.io/job-name";
  static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
  private static final String LEGACY_JOB_NAME = "job-name";
  private static final String LEGACY_CONTROLLER_UID = "controller-uid";
  private static final String COMPONENT = "job-controller";

  private enum Outcome { SUCCEEDED, FAILED }

  /** Pod outcomes counted for one Job (kept when pods are deleted, as status counters are). */
  private static final class Tracking {
    final Map<String, Outcome> outcomes = new LinkedHashMap<>();
    final Set<String> active = new HashSet<>();
  }

  private final KubernetesClient client;
  private final EventRecorder events;
  private final Function<String, Boolean> serviceAccountExists;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "fake-job-controller");
        thread.setDaemon(true);
        return thread;
      });
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final Map<String, Tracking> tracking = new ConcurrentHashMap<>();

  JobController(KubernetesClient client, EventRecorder events, Function<String, Boolean> serviceAccountExists) {
    this.client = client;
    this.events = events;
    this.serviceAccountExists = serviceAccountExists;
  }

  // ---- triggers -----------------------------------------------------------------------------

  void onJob(Job job) {
    enqueue(job.getMetadata().getNamespace(), job.getMetadata().getName(), Duration.ZERO);
  }

  void onJobDeleted(Job job) {
    tracking.remove(job.getMetadata().getUid());
  }

  void onPod(Pod pod) {
    OwnerReference owner = Kube.controllerOf(pod);
    if (owner != null && "Job".equals(owner.getKind())) {
      enqueue(pod.getMetadata().getNamespace(), owner.getName(), Duration.ZERO);
    }
  }

  private void enqueue(String namespace, String name, Duration delay) {
    String key = namespace + "/" + name;
    if (!delay.isZero()) {
      try {
        loop.schedule(() -> enqueue(namespace, name, Duration.ZERO), delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
      return;
    }
    if (queued.add(key)) {
      try {
        loop.execute(() -> {
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
    String uid = job.getMetadata().getUid();
    JobStatus current = job.getStatus() == null ? new JobStatus() : job.getStatus();
    if (finished(current)) {
      return;
    }
    Tracking track = tracking.computeIfAbsent(uid, k -> new Tracking());
    List<Pod> pods = client.pods().inNamespace(namespace).withLabel(CONTROLLER_UID, uid).list().getItems().stream()
        .filter(p -> Kube.ownedBy(p, uid))
        .toList();
    Set<String> present = new HashSet<>();
    List<Pod> active = new ArrayList<>();
    int ready = 0;
    for (Pod pod : pods) {
      String podUid = pod.getMetadata().getUid();
      present.add(podUid);
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if ("Succeeded".equals(phase)) {
        track.outcomes.putIfAbsent(podUid, Outcome.SUCCEEDED);
        track.active.remove(podUid);
      } else if ("Failed".equals(phase)) {
        track.outcomes.putIfAbsent(podUid, Outcome.FAILED);
        track.active.remove(podUid);
      } else if (pod.getMetadata().getDeletionTimestamp() == null) {
        active.add(pod);
        track.active.add(podUid);
        if (isReady(pod)) {
          ready++;
        }
      }
    }
    for (String podUid : List.copyOf(track.active)) {
      if (!present.contains(podUid)) {
        track.outcomes.putIfAbsent(podUid, Outcome.FAILED); // deleted while active (evicted, node lost)
        track.active.remove(podUid);
      }
    }
    int succeeded = (int) track.outcomes.values().stream().filter(o -> o == Outcome.SUCCEEDED).count();
    int failed = (int) track.outcomes.values().stream().filter(o -> o == Outcome.FAILED).count();

    var spec = job.getSpec();
    int completions = spec.getCompletions() == null ? 1 : spec.getCompletions();
    int parallelism = spec.getParallelism() == null ? 1 : spec.getParallelism();
    int backoffLimit = spec.getBackoffLimit() == null ? 6 : spec.getBackoffLimit();
    boolean suspended = Boolean.TRUE.equals(spec.getSuspend());

    JobStatus next = copy(current);
    String now = Kube.now();
    List<JobCondition> conditions = new ArrayList<>(next.getConditions() == null ? List.of() : next.getConditions());
    boolean finishing = false;
    if (!suspended && next.getStartTime() == null) {
      next.setStartTime(now);
    }
    Instant start = Kube.parseTime(next.getStartTime());
    if (succeeded >= completions) {
      conditions.add(jobCondition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now));
      conditions.add(jobCondition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", now));
      next.setCompletionTime(now);
      events.record(job, null, NORMAL, "Completed", "Job completed", COMPONENT);
      deleteAll(active);
      active = List.of();
      finishing = true;
    } else if (failed > backoffLimit) {
      conditions.add(jobCondition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now));
      conditions.add(jobCondition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now));
      events.record(job, null, WARNING, "BackoffLimitExceeded", "Job has reached the specified backoff limit", COMPONENT);
      deleteAll(active);
      active = List.of();
      finishing = true;
    } else if (spec.getActiveDeadlineSeconds() != null && start != null
        && !Instant.now().isBefore(start.plusSeconds(spec.getActiveDeadlineSeconds()))) {
      conditions.add(jobCondition("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline", now));
      conditions.add(jobCondition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline", now));
      events.record(job, null, WARNING, "DeadlineExceeded", "Job was active longer than specified deadline", COMPONENT);
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
        started.add(pod);
      }
      active = started;
      if (spec.getActiveDeadlineSeconds() != null && start != null) {
        Duration left = Duration.between(Instant.now(), start.plusSeconds(spec.getActiveDeadlineSeconds()));
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
      onFinished(job, next);
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
    if (account != null && !account.isEmpty() && !"default".equals(account)
        && !serviceAccountExists.apply(namespace + "/" + account)) {
      events.record(job, null, WARNING, "FailedCreate", "Error creating: pods \"" + podName
          + "\" is forbidden: error looking up service account " + namespace + "/" + account
          + ": serviceaccount \"" + account + "\" not found", COMPONENT);
      return null;
    }
    Map<String, String> labels = new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
    labels.put(CONTROLLER_UID, uid);
    labels.put(JOB_NAME, jobName);
    labels.put(LEGACY_CONTROLLER_UID, uid);
    labels.put(LEGACY_JOB_NAME, jobName);
    Pod pod = new PodBuilder()
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
      events.record(job, null, WARNING, "FailedCreate", "Error creating: " + e.getMessage(), COMPONENT);
      return null;
    }
  }

  private void deleteAll(List<Pod> pods) {
    for (Pod pod : pods) {
      try {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
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
    return status.getConditions() != null && status.getConditions().stream()
        .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
  }

  private static boolean isReady(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
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
    try {
      return loop.submit(() -> fire(namespace, name)).get();
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
    CronJob cronJob = client.batch().v1().cronjobs().inNamespace(namespace).withName(name).get();
    if (cronJob == null) {
      throw new IllegalArgumentException("no CronJob " + namespace + "/" + name);
    }
    if (Boolean.TRUE.equals(cronJob.getSpec().getSuspend())) {
      return Optional.empty();
    }
    List<Job> owned = ownedJobs(cronJob);
    List<Job> running = owned.stream().filter(j -> j.getStatus() == null || !finished(j.getStatus())).toList();
    String policy = cronJob.getSpec().getConcurrencyPolicy() == null ? "Allow" : cronJob.getSpec().getConcurrencyPolicy();
    if ("Forbid".equals(policy) && !running.isEmpty()) {
      events.record(cronJob, null, NORMAL, "JobAlreadyActive",
          "Not starting job because prior execution is running and concurrency policy is Forbid", "cronjob-controller");
      return Optional.empty();
    }
    if ("Replace".equals(policy)) {
      for (Job job : running) {
        client.batch().v1().jobs().inNamespace(namespace).withName(job.getMetadata().getName()).delete();
        events.record(cronJob, null, NORMAL, "SuccessfulDelete", "Deleted job " + job.getMetadata().getName(),
            "cronjob-controller");
      }
    }
    Instant scheduled = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    long minutes = scheduled.getEpochSecond() / 60;
    JobTemplateSpec template = cronJob.getSpec().getJobTemplate();
    ObjectMeta meta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    Map<String, String> annotations = new LinkedHashMap<>(meta.getAnnotations() == null ? Map.of() : meta.getAnnotations());
    annotations.put("batch.kubernetes.io/cronjob-scheduled-timestamp", Kube.time(scheduled));
    Job created = null;
    for (int i = 0; created == null && i < 1000; i++) {
      Job job = new JobBuilder()
          .withNewMetadata()
          .withName(name + "-" + (minutes + i))
          .withNamespace(namespace)
          .withLabels(meta.getLabels())
          .withAnnotations(annotations)
          .withOwnerReferences(Kube.controllerRef(cronJob))
          .endMetadata()
          .withSpec(new JobSpecBuilder(template.getSpec()).build())
          .build();
      try {
        created = client.batch().v1().jobs().inNamespace(namespace).resource(job).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    Objects.requireNonNull(created, "could not name the Job");
    events.record(cronJob, null, NORMAL, "SuccessfulCreate", "Created job " + created.getMetadata().getName(),
        "cronjob-controller");
    Job job = created;
    editCronStatus(namespace, name, status -> {
      List<ObjectReference> active = new ArrayList<>(status.getActive() == null ? List.of() : status.getActive());
      active.add(reference(job));
      status.setActive(active);
      status.setLastScheduleTime(Kube.time(scheduled));
    });
    return Optional.of(created);
  }

  private void onFinished(Job job, JobStatus status) {
    OwnerReference owner = Kube.controllerOf(job);
    if (owner == null || !"CronJob".equals(owner.getKind())) {
      return;
    }
    String namespace = job.getMetadata().getNamespace();
    boolean complete = status.getConditions().stream().anyMatch(c -> "Complete".equals(c.getType()));
    CronJob cronJob = client.batch().v1().cronjobs().inNamespace(namespace).withName(owner.getName()).get();
    if (cronJob == null || !owner.getUid().equals(cronJob.getMetadata().getUid())) {
      return;
    }
    events.record(cronJob, null, NORMAL, "SawCompletedJob", "Saw completed job: " + job.getMetadata().getName()
        + ", status: " + (complete ? "Complete" : "Failed"), "cronjob-controller");
    editCronStatus(namespace, owner.getName(), cronStatus -> {
      if (cronStatus.getActive() != null) {
        List<ObjectReference> active = new ArrayList<>(cronStatus.getActive());
        active.removeIf(r -> job.getMetadata().getUid().equals(r.getUid()));
        cronStatus.setActive(active.isEmpty() ? null : active);
      }
      if (complete) {
        cronStatus.setLastSuccessfulTime(status.getCompletionTime());
      }
    });
    // History limits (defaults 3 successful, 1 failed): the oldest finished Jobs go.
    int keepSucceeded = cronJob.getSpec().getSuccessfulJobsHistoryLimit() == null ? 3 : cronJob.getSpec().getSuccessfulJobsHistoryLimit();
    int keepFailed = cronJob.getSpec().getFailedJobsHistoryLimit() == null ? 1 : cronJob.getSpec().getFailedJobsHistoryLimit();
    List<Job> owned = ownedJobs(cronJob);
    prune(owned.stream().filter(j -> j.getStatus() != null && finished(j.getStatus()) && hasCondition(j, "Complete")).toList(),
        keepSucceeded, cronJob);
    prune(owned.stream().filter(j -> j.getStatus() != null && finished(j.getStatus()) && hasCondition(j, "Failed")).toList(),
        keepFailed, cronJob);
  }

  private void prune(List<Job> finishedJobs, int keep, CronJob cronJob) {
    List<Job> sorted = new ArrayList<>(finishedJobs);
    sorted.sort(Comparator.comparing((Job j) -> j.getMetadata().getCreationTimestamp())
        .thenComparing(j -> j.getMetadata().getName()));
    for (int i = 0; i < sorted.size() - keep; i++) {
      String jobName = sorted.get(i).getMetadata().getName();
      client.batch().v1().jobs().inNamespace(cronJob.getMetadata().getNamespace()).withName(jobName)
          .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
      events.record(cronJob, null, NORMAL, "SuccessfulDelete", "Deleted job " + jobName, "cronjob-controller");
    }
  }

  private static boolean hasCondition(Job job, String type) {
    return job.getStatus().getConditions().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private List<Job> ownedJobs(CronJob cronJob) {
    String uid = cronJob.getMetadata().getUid();
    return client.batch().v1().jobs().inNamespace(cronJob.getMetadata().getNamespace()).list().getItems().stream()
        .filter(j -> Kube.ownedBy(j, uid))
        .toList();
  }

  private void editCronStatus(String namespace, String name, java.util.function.Consumer<CronJobStatus> edit) {
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
