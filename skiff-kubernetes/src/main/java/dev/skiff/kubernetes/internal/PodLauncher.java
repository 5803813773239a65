package dev.skiff.kubernetes.internal;

import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.LaunchedStep;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StepFailedException;
import dev.skiff.core.spi.StepLaunch;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.kubernetes.PodSettings;
import dev.skiff.sdk.FailureKind;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each step attempt in its own pod. One informer watches the run's pods (label {@code
 * skiff.dev/run}); a pod's end completes its step at once — no polling. Creating a pod that exists
 * adopts it, which is how a restarted orchestrator resumes. A pod stuck Pending past the startup
 * timeout fails its step with the scheduler's or kubelet's reason.
 */
public final class PodLauncher implements StepLauncher {
  private final KubernetesClient client;
  private final MetadataStore store;
  private final Manifests manifests;
  private final String namespace;
  private final String runId;
  private final OwnerReference owner;
  private final Function<String, KubernetesSettings> stepSettings;
  private final String serviceAccount;
  private final boolean keepPods;
  private final int maxParallelism;
  private final Map<String, Attempt> attempts = new ConcurrentHashMap<>();
  private final SucceededPods succeededPods = new SucceededPods();
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "skiff-pod-timers");
            t.setDaemon(true);
            return t;
          });
  private final java.util.concurrent.ExecutorService workers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "skiff-pod-end");
            t.setDaemon(true);
            return t;
          });

  /** Succeeded pods deleted together by one request (and at the latest {@link #DELETE_DELAY}). */
  static final int DELETE_BATCH = 25;

  /** How long a succeeded pod may wait for its batch to fill before the batch is deleted anyway. */
  static final Duration DELETE_DELAY = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(PodLauncher.class);

  /** Informers started in a row (1, 2, 4, 8 s apart) before the steps fail for lack of a watch. */
  static final int WATCH_RESTARTS = 5;

  /** Failed relists in a row after which the informer stops and is started anew. */
  static final int FAILED_RELISTS = 3;

  /** How often a pod that is still Pending for a reason says so again in the step log. */
  static final Duration WAITING_REMINDER = Duration.ofSeconds(30);

  private volatile SharedIndexInformer<Pod> informer;

  /**
   * Hears every pod state the informer delivers, before the launcher acts on it (a bench's clock).
   */
  private volatile java.util.function.Consumer<Pod> podSeen;

  private volatile boolean closed;

  /** Why the run's pods cannot be watched any more (null while they can): launches fail at once. */
  private volatile String watchLost;

  /**
   * Options of a launcher. {@code stepSettings} gives a step's settings by step name, as resolved
   * into the plan: its pod settings, step service account ({@code stepServiceAccountName}, else
   * {@code serviceAccountName}) and pod startup timeout; {@code serviceAccount} is the one of steps
   * whose settings name none.
   */
  public record Options(
      String namespace,
      String runId,
      OwnerReference owner,
      Function<String, KubernetesSettings> stepSettings,
      String serviceAccount,
      boolean keepPods,
      int maxParallelism) {

    public static Builder newBuilder(String namespace, String runId) {
      return new Builder(namespace, runId);
    }

    /**
     * Builds options; unset: no owner, every step with the default settings, service account {@code
     * default}, pods not kept, no parallelism limit of the launcher's own.
     */
    public static final class Builder {
      private final String namespace;
      private final String runId;
      private OwnerReference owner;
      private Function<String, KubernetesSettings> stepSettings =
          step -> KubernetesSettings.DEFAULTS;
      private String serviceAccount = "default";
      private boolean keepPods;
      private int maxParallelism;

      private Builder(String namespace, String runId) {
        this.namespace = namespace;
        this.runId = runId;
      }

      public Builder owner(OwnerReference owner) {
        this.owner = owner;
        return this;
      }

      /** Each step's settings by step name, as resolved into the plan. */
      public Builder stepSettings(Function<String, KubernetesSettings> stepSettings) {
        this.stepSettings = stepSettings;
        return this;
      }

      /** Every step with the pod settings {@code podSettings} gives it and this startup timeout. */
      public Builder podSettings(
          Function<String, PodSettings> podSettings, Duration startupTimeout) {
        return stepSettings(step -> podSettingsOnly(podSettings.apply(step), startupTimeout));
      }

      public Builder serviceAccount(String serviceAccount) {
        this.serviceAccount = serviceAccount;
        return this;
      }

      public Builder keepPods(boolean keepPods) {
        this.keepPods = keepPods;
        return this;
      }

      public Builder maxParallelism(int maxParallelism) {
        this.maxParallelism = maxParallelism;
        return this;
      }

      public Options build() {
        return new Options(
            namespace, runId, owner, stepSettings, serviceAccount, keepPods, maxParallelism);
      }

      private static KubernetesSettings podSettingsOnly(PodSettings pod, Duration startupTimeout) {
        return new KubernetesSettings(
            pod,
            null,
            null,
            null,
            null,
            startupTimeout,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
      }
    }
  }

  public PodLauncher(KubernetesClient client, MetadataStore store, Manifests manifests, Options o) {
    this.client = client;
    this.store = store;
    this.manifests = manifests;
    this.namespace = o.namespace();
    this.runId = o.runId();
    this.owner = o.owner();
    this.stepSettings = o.stepSettings();
    this.serviceAccount = o.serviceAccount();
    this.keepPods = o.keepPods();
    this.maxParallelism = o.maxParallelism();
    this.informer = watchPods();
  }

  /**
   * One informer on the run's pods. It lists again after a 410 Gone and watches again after a
   * dropped watch by itself; if it stops for good (its list refused, say), {@link #watchStopped}
   * starts a new one, so a pod's end is never missed and no step waits forever.
   */
  private SharedIndexInformer<Pod> watchPods() {
    SharedIndexInformer<Pod> started =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(Labels.RUN_SELECTOR, Names.labelValue(runId))
            .runnableInformer(0);
    started.exceptionHandler(new GiveUpAfterFailedRelists(started));
    started.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            observe(pod);
          }

          @Override
          public void onUpdate(Pod old, Pod pod) {
            observe(pod);
          }

          @Override
          public void onDelete(Pod pod, boolean unknownFinalState) {
            Attempt a = attempts.get(pod.getMetadata().getName());
            if (a != null && !a.result.isDone()) {
              a.fail(
                  new StepFailedException(
                      FailureKind.INFRASTRUCTURE,
                      "pod "
                          + pod.getMetadata().getName()
                          + " was deleted before it finished (node lost or removed by hand)"));
            }
          }
        });
    // off the informer's threads: starting a new informer waits and may back off
    started.stopped().whenCompleteAsync((done, error) -> watchStopped(started, error), workers);
    started.run();
    return started;
  }

  /**
   * How the informer treats a failed list or watch. fabric8's default retries a failed relist
   * forever (with back-off), so a relist the API keeps refusing (RBAC revoked, an API server that
   * answers 500) would leave every running step waiting for a pod end it can never see. This gives
   * up after {@value #FAILED_RELISTS} failures in a row without progress (no new resourceVersion in
   * between); the informer then stops and {@link #watchStopped} starts a new one or fails the
   * steps. A watch error the client cannot read (an undecodable event) stops it at once, as by
   * default.
   */
  private static final class GiveUpAfterFailedRelists implements ExceptionHandler {
    private final SharedIndexInformer<Pod> informer;
    private String lastVersion;
    private int failures;

    GiveUpAfterFailedRelists(SharedIndexInformer<Pod> informer) {
      this.informer = informer;
    }

    @Override
    public synchronized boolean retryAfterException(boolean isStarted, Throwable t) {
      if (!isStarted || t instanceof WatcherException) {
        return false;
      }
      String version = informer.lastSyncResourceVersion();
      failures = java.util.Objects.equals(version, lastVersion) ? failures + 1 : 1;
      lastVersion = version;
      return failures < FAILED_RELISTS;
    }
  }

  /**
   * The informer stopped: unless closing, a new one lists the pods again; else the attempts fail.
   */
  private void watchStopped(SharedIndexInformer<Pod> stopped, Throwable error) {
    if (closed || stopped != informer) {
      return;
    }
    String why = reason(error);
    for (int attempt = 0; attempt < WATCH_RESTARTS && !closed; attempt++) {
      if (attempt > 0) {
        sleep(Duration.ofSeconds(1L << (attempt - 1)));
      }
      try {
        informer = watchPods();
        String after = why;
        attempts.values().forEach(a -> a.launch.log().line("watching pods again after: " + after));
        informer.getStore().list().forEach(this::observe);
        return;
      } catch (KubernetesClientException e) {
        why = reason(e);
      }
    }
    String reason = "cannot watch the pods of run " + runId + " any more: " + why;
    watchLost = reason;
    attempts
        .values()
        .forEach(a -> a.fail(new StepFailedException(FailureKind.INFRASTRUCTURE, reason)));
  }

  /**
   * After the watch was lost, a new attempt (the scheduler's retry of an infrastructure failure)
   * tries once more to watch, so a run recovers when the API answers again. Returns null when the
   * pods are watched, else why not.
   */
  private synchronized String watchAgain() {
    if (watchLost == null) {
      return null;
    }
    try {
      informer = watchPods();
      watchLost = null;
      return null;
    } catch (KubernetesClientException e) {
      watchLost = "cannot watch the pods of run " + runId + " any more: " + reason(e);
      return watchLost;
    }
  }

  /** Why the watch stopped, in one line: the API's answer with its code, when there was one. */
  private static String reason(Throwable error) {
    Throwable e = error;
    while ((e instanceof java.util.concurrent.CompletionException
            || e instanceof java.util.concurrent.ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof KubernetesClientException k) {
      return (k.getCode() > 0 ? "(" + k.getCode() + ") " : "") + ClusterAccess.status(k);
    }
    return e == null ? "stopped" : String.valueOf(e.getMessage()).lines().findFirst().orElse("");
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public int maxParallelism() {
    return maxParallelism;
  }

  /**
   * Registers the attempt and hands the rest to a worker: the pod is built and created off the
   * scheduler's thread, which records the run's other steps meanwhile (building a pod took it 1 ms
   * at the median, 13 ms at p99, while other steps' ends waited behind), and steps that become
   * ready together get their pods in parallel.
   */
  @Override
  public LaunchedStep launch(StepLaunch launch) {
    String step = launch.step().name();
    String name = Names.stepPod(runId, step, launch.attempt());
    String stepLabel = Labels.step(runId, launch.plan().pipeline(), step).get(Labels.STEP);
    Attempt attempt = new Attempt(launch, name, stepLabel);
    attempts.put(name, attempt);
    succeededPods.reading(stepLabel);
    String unwatched = watchLost == null ? null : watchAgain();
    if (unwatched != null) { // its end could never be seen: fail now rather than wait forever
      attempt.fail(new StepFailedException(FailureKind.INFRASTRUCTURE, unwatched));
      return attempt;
    }
    workers.execute(() -> start(attempt));
    return attempt;
  }

  /** Builds the attempt's pod, starts its startup timers and creates it (on a worker). */
  private void start(Attempt attempt) {
    StepLaunch launch = attempt.launch;
    Pod pod;
    KubernetesSettings settings;
    try {
      settings = stepSettings.apply(launch.step().name());
      String account =
          settings.stepServiceAccountName() != null
              ? settings.stepServiceAccountName()
              : settings.serviceAccountName() != null
                  ? settings.serviceAccountName()
                  : serviceAccount;
      pod =
          manifests.stepPod(
              launch.plan(),
              runId,
              launch.step(),
              launch.attempt(),
              launch.token(),
              settings.podSettings(),
              account,
              owner);
    } catch (RuntimeException e) {
      attempt.fail(StepFailedException.of(e));
      return;
    }
    attempt.startupTimer =
        timers.schedule(
            () -> pendingTooLong(attempt, settings.podStartupTimeout()),
            settings.podStartupTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
    attempt.reminder =
        timers.scheduleAtFixedRate(
            attempt::remind,
            WAITING_REMINDER.toMillis(),
            WAITING_REMINDER.toMillis(),
            TimeUnit.MILLISECONDS);
    if (attempt.finishing.get()) { // ended meanwhile (cancelled): end() may have missed the timers
      attempt.cancelTimers();
    }
    create(pod, attempt);
  }

  private void create(Pod pod, Attempt attempt) {
    String name = pod.getMetadata().getName();
    try {
      client.pods().inNamespace(namespace).resource(pod).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) { // 409: the pod exists — adopt it (orchestrator restart)
        attempt.fail(
            new StepFailedException(
                e.getCode() >= 500 || e.getCode() == 429
                    ? FailureKind.INFRASTRUCTURE
                    : FailureKind.USER_CODE,
                "cannot create pod " + name + ": " + ClusterAccess.status(e)));
        return;
      }
    }
    if (attempt.cancelled) {
      attempt
          .deletePod(); // cancelled while its pod was being created: the deletion in end() may have
      // come first
      return;
    }
    Pod current = informer.getIndexer().getByKey(namespace + "/" + name);
    if (current != null) {
      observe(current);
    }
  }

  /**
   * Lets {@code listener} hear each pod state as the informer delivers it, on the informer's thread
   * (it must return at once): {@code KubernetesDispatchBench} times dispatch from it without a
   * second watch of its own.
   */
  public void onPodSeen(java.util.function.Consumer<Pod> listener) {
    this.podSeen = listener;
  }

  private void observe(Pod pod) {
    java.util.function.Consumer<Pod> seen = podSeen;
    if (seen != null) {
      seen.accept(pod);
    }
    Attempt a = attempts.get(pod.getMetadata().getName());
    if (a == null || a.finishing.get()) {
      return;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Running".equals(phase) || "Succeeded".equals(phase) || "Failed".equals(phase)) {
      a.started = true;
      a.followLogs();
    }
    if ("Succeeded".equals(phase)) {
      // the outputs are read on the attempt's worker, not on the informer's one thread, which
      // delivers the events of every pod in turn
      a.finish(
          () -> {
            try {
              a.result.complete(
                  ArtifactRecord.dataOnly(store.stepOutputs(runId, a.launch.step().name())));
            } catch (RuntimeException e) {
              a.result.completeExceptionally(
                  new StepFailedException(
                      FailureKind.INFRASTRUCTURE,
                      "cannot read the outputs of pod " + a.pod + ": " + e.getMessage()));
            }
          });
    } else if ("Failed".equals(phase)) {
      a.fail(failure(pod));
    } else {
      waitingProblem(pod)
          .ifPresent(
              p -> {
                String previous = a.problem;
                a.lastProblem(p);
                if (isPermanent(p)) {
                  // the back-off message only repeats the image; the pull error before it says why
                  boolean pullError =
                      p.startsWith("ImagePullBackOff")
                          && previous != null
                          && previous.startsWith("ErrImagePull");
                  a.fail(
                      new StepFailedException(
                          "pod "
                              + a.pod
                              + " cannot start: "
                              + (pullError ? previous + " (then ImagePullBackOff)" : p)));
                }
              });
    }
  }

  /**
   * Waiting reasons of a step pod that no wait is likely to cure, so the step fails at once with
   * the kubelet's message instead of after {@code podStartupTimeout}: an image that cannot be
   * pulled (after the kubelet's first back-off), an invalid image name, a container the kubelet
   * cannot configure (a Secret or ConfigMap its env or volumes name is missing, a security context
   * the image cannot meet). The run's own Secret exists before any step pod is created, so what is
   * missing is the user's.
   */
  static boolean isPermanent(String problem) {
    return problem.startsWith("ImagePullBackOff")
        || problem.startsWith("InvalidImageName")
        || problem.startsWith("ErrImageNeverPull")
        || problem.startsWith("CreateContainerConfigError")
        || problem.startsWith("CreateContainerError");
  }

  private void pendingTooLong(Attempt a, Duration startupTimeout) {
    if (a.result.isDone() || a.started) {
      return;
    }
    a.fail(
        new StepFailedException(
            "pod "
                + a.pod
                + " did not start within "
                + startupTimeout.toSeconds()
                + " s"
                + (a.problem == null ? "" : ": " + a.problem)));
  }

  /**
   * Why a pod failed, as the same failure the step would report in a thread or a process: the
   * step's own report from the termination message, else the kubelet's reason with its kind —
   * infrastructure for disruptions (eviction, preemption, node loss), timeout for the deadline.
   */
  static StepFailedException failure(Pod pod) {
    String reason = failureReason(pod);
    var status = pod.getStatus();
    boolean disrupted =
        status.getConditions() != null
            && status.getConditions().stream()
                .anyMatch(
                    c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()));
    if (disrupted
        || "Evicted".equals(status.getReason())
        || "Preempting".equals(status.getReason())
        || "NodeLost".equals(status.getReason())) {
      return new StepFailedException(FailureKind.INFRASTRUCTURE, reason);
    }
    if ("DeadlineExceeded".equals(status.getReason())) {
      return new StepFailedException(FailureKind.TIMEOUT, reason);
    }
    for (ContainerStatus cs : status.getContainerStatuses()) {
      ContainerStateTerminated t = cs.getState() == null ? null : cs.getState().getTerminated();
      if (t != null
          && !"OOMKilled".equals(t.getReason())
          && t.getMessage() != null
          && !t.getMessage().isBlank()) {
        return StepFailedException.fromReport(t.getMessage().strip());
      }
    }
    return new StepFailedException(FailureKind.USER_CODE, reason);
  }

  /** Why a pod failed, e.g. OOMKilled, Evicted, DeadlineExceeded, or the exit code. */
  static String failureReason(Pod pod) {
    var status = pod.getStatus();
    if (status.getReason() != null) {
      return status.getReason() + (status.getMessage() == null ? "" : ": " + status.getMessage());
    }
    for (ContainerStatus cs : status.getContainerStatuses()) {
      ContainerStateTerminated t = cs.getState() == null ? null : cs.getState().getTerminated();
      if (t != null) {
        String reason = t.getReason() == null ? "Error" : t.getReason();
        return "OOMKilled".equals(reason)
            ? "OOMKilled: the step used more memory than its limit (raise resources.limits.memory)"
            : reason
                + " (exit code "
                + t.getExitCode()
                + ")"
                + (t.getMessage() == null ? "" : ": " + t.getMessage());
      }
    }
    return "pod failed";
  }

  /**
   * Scheduling or image problems of a Pending pod, e.g. Unschedulable with the scheduler's message.
   */
  static Optional<String> waitingProblem(Pod pod) {
    var status = pod.getStatus();
    if (status == null) {
      return Optional.empty();
    }
    for (ContainerStatus cs : status.getContainerStatuses()) {
      ContainerStateWaiting w = cs.getState() == null ? null : cs.getState().getWaiting();
      if (w != null
          && w.getReason() != null
          && !"ContainerCreating".equals(w.getReason())
          && !"PodInitializing".equals(w.getReason())) {
        return Optional.of(w.getReason() + (w.getMessage() == null ? "" : ": " + w.getMessage()));
      }
    }
    for (PodCondition c : status.getConditions()) {
      if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
        return Optional.of(
            (c.getReason() == null ? "Unschedulable" : c.getReason())
                + (c.getMessage() == null ? "" : ": " + c.getMessage()));
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    closed = true;
    informer.close();
    timers.shutdownNow();
    workers.shutdown();
    try {
      workers.awaitTermination(15, TimeUnit.SECONDS); // last log lines reach the step logs
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    succeededPods.delete(true);
  }

  /**
   * Succeeded pods whose logs have been read, deleted in batches: one {@code deletecollection}
   * request for up to {@value #DELETE_BATCH} pods instead of one request each (a third of the API
   * requests of a step). The selector names the run, the batch's steps ({@code step in (...)}) and
   * {@code status.phase=Succeeded}. A step's label is shared by its attempts and, for a map, by all
   * its instances, so a step joins a batch only once none of its pods is still running or being
   * read: the request can match nothing else. A batch waits at most {@link #DELETE_DELAY}; the last
   * one goes when the launcher closes. Pods left by a refused request go with the orchestrator Job
   * (their owner) when it is removed.
   */
  private final class SucceededPods {
    /** Attempts launched and not yet read to their end, by step label. */
    private final Map<String, Integer> unread = new java.util.HashMap<>();

    /** Succeeded pods read to their end and not yet deleted, by step label. */
    private final Map<String, Integer> waiting = new java.util.LinkedHashMap<>();

    private int waitingPods;
    private java.util.concurrent.ScheduledFuture<?> timer;

    synchronized void reading(String step) {
      unread.merge(step, 1, Integer::sum);
    }

    /** An attempt's pod is read to its end; {@code delete}: it succeeded and is not kept. */
    synchronized void read(String step, boolean delete) {
      unread.computeIfPresent(step, (k, n) -> n > 1 ? n - 1 : null);
      if (!delete) {
        return;
      }
      waiting.merge(step, 1, Integer::sum);
      waitingPods++;
      if (waitingPods >= DELETE_BATCH) {
        try {
          workers.execute(() -> delete(false));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
          // close() deletes the last batch
        }
      } else if (timer == null && !timers.isShutdown()) {
        timer =
            timers.schedule(() -> delete(false), DELETE_DELAY.toMillis(), TimeUnit.MILLISECONDS);
      }
    }

    /** {@code all}: the launcher closes, nothing is read any more. */
    void delete(boolean all) {
      List<String> batch = new ArrayList<>();
      synchronized (this) {
        for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
          var step = it.next();
          if (all || !unread.containsKey(step.getKey())) {
            batch.add(step.getKey());
            waitingPods -= step.getValue();
            it.remove();
          }
        }
        if (timer != null) {
          timer.cancel(false);
          timer = null;
        }
        if (!waiting.isEmpty() && !timers.isShutdown()) { // steps with pods still being read
          timer =
              timers.schedule(() -> delete(false), DELETE_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
      if (batch.isEmpty()) {
        return;
      }
      try {
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(Labels.RUN_SELECTOR, Names.labelValue(runId))
            .withLabelIn(Labels.STEP, batch.toArray(String[]::new))
            .withField("status.phase", "Succeeded")
            .delete();
      } catch (KubernetesClientException e) {
        LOG.warn(
            "could not delete the succeeded pods of {} steps of run {}: {} (they go with the"
                + " orchestrator Job)",
            batch.size(),
            runId,
            ClusterAccess.status(e));
      }
    }
  }

  private final class Attempt implements LaunchedStep {
    final StepLaunch launch;
    final String pod;
    final String stepLabel;
    final CompletableFuture<Map<String, ArtifactRecord>> result = new CompletableFuture<>();
    volatile boolean started;
    volatile boolean cancelled;
    volatile String problem;
    volatile java.util.concurrent.ScheduledFuture<?> startupTimer;
    volatile java.util.concurrent.ScheduledFuture<?> reminder;
    final long launchedAt = System.nanoTime();
    Thread logFollower;
    final java.util.concurrent.atomic.AtomicBoolean finishing =
        new java.util.concurrent.atomic.AtomicBoolean();

    Attempt(StepLaunch launch, String pod, String stepLabel) {
      this.launch = launch;
      this.pod = pod;
      this.stepLabel = stepLabel;
    }

    /** A pod still Pending keeps saying why, so a stream shows it waits rather than hangs. */
    void remind() {
      String p = problem;
      if (p != null && !started && !result.isDone()) {
        long waited = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - launchedAt);
        launch.log().line("waiting: " + p + " (" + waited + " s)");
      }
    }

    void lastProblem(String p) {
      if (!p.equals(problem)) {
        problem = p;
        launch.log().line("waiting: " + p);
      }
    }

    void fail(StepFailedException failure) {
      finish(() -> result.completeExceptionally(failure));
    }

    /** Copies the pod's log into the step log as lines arrive (once per attempt). */
    synchronized void followLogs() {
      if (logFollower != null) {
        return;
      }
      logFollower =
          new Thread(
              () ->
                  LogFollow.follow(
                      client,
                      namespace,
                      pod,
                      () -> informer.getIndexer().getByKey(namespace + "/" + pod),
                      launch.log()::line,
                      launch.log()::line),
              "skiff-log-" + pod);
      logFollower.setDaemon(true);
      logFollower.start();
    }

    /**
     * Ends the attempt off the informer's thread: it waits for the log to drain, then deletes the
     * pod.
     */
    void finish(Runnable complete) {
      finish(complete, false);
    }

    /** {@code cancel}: the attempt ends because it was cancelled, so its pod is deleted at once. */
    void finish(Runnable complete, boolean cancel) {
      if (!finishing.compareAndSet(false, true)) {
        return;
      }
      cancelled = cancel;
      workers.execute(() -> end(complete));
    }

    /**
     * Completes the step first, so the scheduler can start its downstream steps at once; then lets
     * the log drain into the step log and deletes the pod. {@link #close()} waits for the drains.
     */
    private void end(Runnable complete) {
      cancelTimers();
      complete.run();
      attempts.remove(pod);
      if (cancelled) {
        deletePod(); // the step's code stops now (kept pods too: a cancelled step must not run on),
        // and its log ends
      }
      Thread follower;
      synchronized (this) {
        follower = logFollower;
      }
      if (follower != null) {
        try {
          follower.join(TimeUnit.SECONDS.toMillis(10)); // the log ends with the container
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      boolean failed = result.isCompletedExceptionally();
      if (!keepPods && !cancelled && failed) {
        deletePod(); // a failed attempt's pod goes at once, as a cancelled one's
      }
      // read to its end: a succeeded pod is deleted with a batch
      succeededPods.read(stepLabel, !keepPods && !cancelled && !failed);
    }

    void cancelTimers() {
      var startup = startupTimer;
      if (startup != null) {
        startup.cancel(false);
      }
      var remind = reminder;
      if (remind != null) {
        remind.cancel(false);
      }
    }

    void deletePod() {
      try {
        client.pods().inNamespace(namespace).withName(pod).delete();
      } catch (KubernetesClientException e) {
        launch.log().line("could not delete pod " + pod + ": " + ClusterAccess.status(e));
      }
    }

    @Override
    public CompletableFuture<Map<String, ArtifactRecord>> result() {
      return result;
    }

    @Override
    public void cancel() {
      finish(
          () ->
              result.completeExceptionally(
                  new StepFailedException(FailureKind.CANCELLED, "cancelled")),
          true);
    }
  }
}
