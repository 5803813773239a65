package dev.skiff.kubernetes.internal;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.sdk.RunStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Follows a run from the client: streams the orchestrator pod's log, whose lines are the run's
 * events as JSON ({@link RunEventCodec}, every step's log lines included), decodes them into the
 * same events a local run gives its listener, shows why the pod is not starting, and ends when the
 * orchestrator Job ends. A line that is not an event (the JVM's own output, a crash trace) reaches
 * the listener as an orchestrator line. A Job that failed for good, or an orchestrator pod stuck
 * Pending past the startup timeout, fails the run with that reason — a run is never left running
 * forever.
 *
 * <p>The follower announces the run and its end itself, from the client's plan and the stored
 * result: it knows what the pod cannot report (a pod that never started, a Job that failed). So the
 * pod's own {@code RunStarted} and {@code RunFinished} (one per orchestrator pod: a pod the Job
 * starts again announces the run again) are not passed on.
 */
public final class RunFollower {
  private final KubernetesClient client;
  private final MetadataStore store;
  private final RunPlan plan;
  private final String runId;
  private final String namespace;
  private final Duration podStartupTimeout;
  private final RunListener listener;
  private final boolean resumed;
  private final Map<String, Thread> followers = new ConcurrentHashMap<>();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final String jobUid;
  private volatile String failure;
  private volatile String lastProblem;
  private volatile SharedIndexInformer<Pod> pods;

  /**
   * @param podStartupTimeout how long the orchestrator pod may stay Pending
   * @param jobUid uid of the orchestrator Job to follow: pods and Jobs of an earlier Job of the
   *     same run (being deleted after a resume) are ignored
   * @param resumed whether the run is being resumed (its header says so, as a local resume's does)
   */
  public RunFollower(
      KubernetesClient client,
      MetadataStore store,
      RunPlan plan,
      String runId,
      String jobUid,
      String namespace,
      Duration podStartupTimeout,
      boolean resumed,
      RunListener listener) {
    this.client = client;
    this.jobUid = jobUid;
    this.store = store;
    this.plan = plan;
    this.runId = runId;
    this.namespace = namespace;
    this.podStartupTimeout = podStartupTimeout;
    this.listener = listener;
    this.resumed = resumed;
  }

  public RunStatus follow() {
    Instant start = Instant.now();
    listener.onEvent(new RunEvent.RunStarted(runId, plan, resumed));
    String ns = namespace;
    String jobName = Names.orchestratorJob(runId);
    try (SharedIndexInformer<Pod> orchestratorPods =
            client
                .pods()
                .inNamespace(ns)
                .withLabel(Labels.RUN_SELECTOR, Names.labelValue(runId))
                .withLabel(Labels.ROLE, "orchestrator")
                .inform(handler(this::onOrchestratorPod));
        SharedIndexInformer<Job> jobs =
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(ns)
                .withField("metadata.name", jobName)
                .inform(handler(this::onJob))) {
      pods = orchestratorPods;
      boolean done = false;
      while (!done) {
        if (!jobs.isRunning()) {
          pollJob(jobName); // the watch stopped for good: read the Job instead of hanging
        }
        done = ended.await(1, TimeUnit.SECONDS) || runEndedInStore() || startupTimedOut(start);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    followers.values().forEach(t -> join(t, Duration.ofSeconds(10)));
    RunRecord run = store.findRun(runId).orElseThrow();
    RunStatus status = run.status();
    String error = run.error();
    if (status == RunStatus.RUNNING && failure != null) {
      store.updateRun(runId, RunStatus.FAILED, Instant.now(), failure);
      status = RunStatus.FAILED;
      error = failure;
    }
    if (failure != null) {
      removeJob(); // the orchestrator could not run: leave nothing behind
    }
    listener.onEvent(
        new RunEvent.RunFinished(runId, status, error, Duration.between(start, Instant.now())));
    return status;
  }

  private boolean runEndedInStore() {
    // the orchestrator records the end itself; the Job may take a moment longer to report it
    return store.findRun(runId).map(r -> r.status().isFinal()).orElse(false)
        && followers.values().stream().noneMatch(Thread::isAlive);
  }

  private void pollJob(String jobName) {
    try {
      Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
      if (job != null) {
        onJob(job);
      }
    } catch (KubernetesClientException e) {
      // the next round tries again
    }
  }

  /** Deletes the run's Job (its pods go with it, in the background) and its Secret. */
  private void removeJob() {
    try {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace)
          .withName(Names.orchestratorJob(runId))
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
      client.secrets().inNamespace(namespace).withName(Names.runSecret(runId)).delete();
    } catch (KubernetesClientException e) {
      listener.onEvent(
          new RunEvent.OrchestratorLine(
              runId,
              "could not delete the orchestrator Job of run "
                  + runId
                  + ": "
                  + ClusterAccess.status(e)
                  + " (its TTL removes it later)"));
    }
  }

  private boolean startupTimedOut(Instant start) {
    if (followers.isEmpty()
        && Duration.between(start, Instant.now()).compareTo(podStartupTimeout) > 0) {
      failure =
          "the orchestrator pod did not start within "
              + podStartupTimeout.toSeconds()
              + " s"
              + (lastProblem == null ? "" : ": " + lastProblem);
      return true;
    }
    return false;
  }

  private boolean ofAnotherJob(io.fabric8.kubernetes.api.model.HasMetadata object, boolean owner) {
    if (jobUid == null) {
      return false;
    }
    if (!owner) {
      return !jobUid.equals(object.getMetadata().getUid());
    }
    return object.getMetadata().getOwnerReferences().stream()
        .noneMatch(o -> jobUid.equals(o.getUid()));
  }

  private void onOrchestratorPod(Pod pod) {
    if (ofAnotherJob(pod, true)) {
      return;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Running".equals(phase) || "Succeeded".equals(phase) || "Failed".equals(phase)) {
      followers.computeIfAbsent(pod.getMetadata().getName(), this::startFollowing);
    } else {
      PodLauncher.waitingProblem(pod)
          .ifPresent(
              p -> {
                if (!p.equals(lastProblem)) {
                  lastProblem = p;
                  listener.onEvent(
                      new RunEvent.OrchestratorLine(runId, "orchestrator pod waiting: " + p));
                }
              });
    }
  }

  private void onJob(Job job) {
    if (job.getStatus() == null || ofAnotherJob(job, false)) {
      return;
    }
    for (JobCondition c : job.getStatus().getConditions()) {
      if ("True".equals(c.getStatus())
          && ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))) {
        if ("Failed".equals(c.getType())) {
          failure =
              "the orchestrator Job failed ("
                  + c.getReason()
                  + (c.getMessage() == null ? "" : ": " + c.getMessage())
                  + ")";
        }
        ended.countDown();
      }
    }
  }

  private Thread startFollowing(String pod) {
    Thread t =
        new Thread(
            () ->
                LogFollow.follow(
                    client,
                    namespace,
                    pod,
                    () -> pods == null ? null : pods.getIndexer().getByKey(namespace + "/" + pod),
                    this::relay,
                    problem -> listener.onEvent(new RunEvent.OrchestratorLine(runId, problem))),
            "skiff-follow-" + pod);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Passes on the event a line of the orchestrator pod's log holds (see the class comment). */
  /** What the JVM prints on stderr when {@code JAVA_TOOL_OPTIONS} is set. */
  static final String JVM_OPTIONS_NOTICE = "Picked up JAVA_TOOL_OPTIONS:";

  void relay(String line) {
    if (line.startsWith(JVM_OPTIONS_NOTICE)) {
      return; // the JVM's note of the orchestrator's JVM options: nothing a user should act on
    }
    RunEvent event = RunEventCodec.decode(line, runId, plan);
    if (!(event instanceof RunEvent.RunStarted) && !(event instanceof RunEvent.RunFinished)) {
      listener.onEvent(event);
    }
  }

  private static <T> ResourceEventHandler<T> handler(java.util.function.Consumer<T> onChange) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onChange.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
    };
  }

  private static void join(Thread t, Duration d) {
    try {
      t.join(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
