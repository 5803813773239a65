package dev.skiff.core;

import dev.skiff.core.RunEvent.RunFinished;
import dev.skiff.core.RunEvent.RunStarted;
import dev.skiff.core.RunEvent.StepCached;
import dev.skiff.core.RunEvent.StepFailed;
import dev.skiff.core.RunEvent.StepLogLine;
import dev.skiff.core.RunEvent.StepReused;
import dev.skiff.core.RunEvent.StepSkipped;
import dev.skiff.core.RunEvent.StepStarted;
import dev.skiff.core.RunEvent.StepSucceeded;
import dev.skiff.core.internal.RunLogs;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Walks a {@link RunPlan}: starts every step whose upstream steps have outputs, at once, up to
 * the parallelism limit; reuses cached outputs; retries with backoff; enforces timeouts; fails
 * fast or keeps independent branches going; and resumes a run by keeping the outputs its steps
 * already have. Event driven: all state lives on the thread that calls {@link #run}, and launcher
 * callbacks and timers post events to it. One scheduler runs one run at a time.
 */
public final class DagScheduler {
  private final MetadataStore store;
  private final StepLauncher launcher;
  private final RunListener listener;
  private final ArtifactStore artifacts;
  private final Clock clock;
  private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
  private volatile boolean stopRequested;

  /**
   * @param artifacts the run's artifact store: step logs are saved there ({@code
   *     runs/<run>/logs/<step>.log}) and cache hits are limited to it
   */
  public DagScheduler(MetadataStore store, StepLauncher launcher, RunListener listener, ArtifactStore artifacts) {
    this(store, launcher, listener, artifacts, Clock.systemUTC());
  }

  DagScheduler(MetadataStore store, StepLauncher launcher, RunListener listener, ArtifactStore artifacts, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.artifacts = Objects.requireNonNull(artifacts, "artifacts");
    this.clock = clock;
  }

  /**
   * Runs (or resumes) {@code runId}, whose run record must exist, and blocks until it ends.
   * Steps that already have outputs in this run are not run again.
   */
  public RunStatus run(RunPlan plan, String runId) {
    ScheduledExecutorService timers =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "skiff-scheduler-timer");
              t.setDaemon(true);
              return t;
            });
    try {
      return new Execution(plan, runId, timers).run();
    } finally {
      timers.shutdownNow();
    }
  }

  /** Asks the running run to stop: no new step starts, running ones are cancelled. */
  public void stop() {
    stopRequested = true;
    events.add(() -> {});
  }

  private final class StepState {
    final PlanStep step;
    final List<StepState> children = new ArrayList<>();
    int waitingFor;
    StepStatus status = StepStatus.PENDING;
    int firstAttempt = 1;
    int attempt;
    String cacheKey;
    Instant startedAt;
    LaunchedStep running;
    ScheduledFuture<?> timeout;
    boolean retryScheduled;
    Map<String, ArtifactRecord> outputs = Map.of();
    Map<String, String> inputs = Map.of();

    StepState(PlanStep step) {
      this.step = step;
    }

    boolean active() {
      return running != null || retryScheduled;
    }
  }

  private final class Execution {
    final RunPlan plan;
    final String runId;
    final ScheduledExecutorService timers;
    final Map<String, StepState> states = new LinkedHashMap<>();
    final Deque<StepState> ready = new ArrayDeque<>();
    final int limit;
    final Instant start;
    int active;
    boolean resumedAny;
    /** Step logs being written; closed (published) when their attempt ends and when the run ends. */
    final Map<String, RunLogs> openLogs = new HashMap<>();
    boolean halted;
    String firstError;

    Execution(RunPlan plan, String runId, ScheduledExecutorService timers) {
      this.plan = plan;
      this.runId = runId;
      this.timers = timers;
      this.limit = minPositive(plan.maxParallelism(), launcher.maxParallelism());
      this.start = clock.instant();
    }

    RunStatus run() {
      List<String> kept = restorePreviousState();
      store.updateRun(runId, RunStatus.RUNNING, null, null);
      listener.onEvent(new RunStarted(runId, plan, !kept.isEmpty() || resumedAny));
      kept.forEach(step -> listener.onEvent(new StepReused(runId, step)));
      for (StepState s : states.values()) {
        if (s.status == StepStatus.PENDING && s.waitingFor == 0) {
          ready.add(s);
        }
      }
      launchReady();
      while (!finished()) {
        try {
          events.take().run();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stopRequested = true;
        }
        if (stopRequested && !halted) {
          halted = true;
          states.values().stream().filter(s -> s.running != null).forEach(s -> s.running.cancel());
        }
        launchReady();
      }
      return finish();
    }

    /**
     * Steps with outputs from an earlier attempt of this run keep them (resume, restart); returns
     * their names.
     */
    List<String> restorePreviousState() {
      for (PlanStep step : plan.steps()) {
        states.put(step.name(), new StepState(step));
      }
      List<String> kept = new ArrayList<>();
      for (StepRecord previous : store.listSteps(runId)) {
        StepState s = states.get(previous.name());
        if (s == null) {
          continue;
        }
        resumedAny = true;
        // A step still RUNNING lost its orchestrator, not its attempt: launching the same attempt
        // again adopts its pod (same name). A failed one gets a new attempt.
        s.firstAttempt = previous.status() == StepStatus.RUNNING ? Math.max(1, previous.attempt()) : previous.attempt() + 1;
        if (previous.status().hasOutputs()) {
          Map<String, ArtifactRecord> outs = dataOutputs(store.stepOutputs(runId, previous.name()));
          // A kept output that is gone from the store (deleted, lifecycle rule) or known corrupt
          // cannot feed anything: the step runs again instead of failing its readers forever.
          if (outs.keySet().containsAll(s.step.outputs().stream().map(PlanOutput::name).toList()) && notCorrupt(outs) && present(outs)) {
            s.status = previous.status();
            s.outputs = outs;
            s.cacheKey = previous.cacheKey();
            kept.add(s.step.name());
          }
        }
      }
      for (StepState s : states.values()) {
        for (String up : s.step.upstream()) {
          StepState u = states.get(up);
          u.children.add(s);
          if (!u.status.hasOutputs()) {
            s.waitingFor++;
          }
        }
      }
      return kept;
    }

    boolean finished() {
      return active == 0 && (halted || ready.isEmpty());
    }

    void launchReady() {
      while (!halted && !ready.isEmpty() && (limit == 0 || active < limit)) {
        StepState s = ready.poll();
        if (s.status == StepStatus.PENDING) {
          start(s);
        }
      }
    }

    void start(StepState s) {
      s.inputs = inputArtifacts(s);
      s.cacheKey = CacheKeys.of(s.step, inputContent(s), artifacts.uri());
      if (s.step.policy().enableCache()) {
        var hit = store.findCacheHit(s.cacheKey);
        if (hit.isPresent() && hit.get().outputs().keySet().containsAll(outputNames(s)) && present(dataOutputs(hit.get().outputs()))) {
          Instant now = clock.instant();
          Map<String, String> outIds = new LinkedHashMap<>();
          hit.get().outputs().forEach((name, a) -> outIds.put(name, a.id()));
          store.linkArtifacts(runId, s.step.name(), outIds, s.inputs);
          s.outputs = dataOutputs(hit.get().outputs());
          s.status = StepStatus.CACHED;
          store.saveStep(new StepRecord(runId, s.step.name(), StepStatus.CACHED, s.firstAttempt - 1, s.cacheKey, hit.get().runId(), now, now, null));
          listener.onEvent(new StepCached(runId, s.step.name(), hit.get().runId()));
          succeeded(s);
          return;
        }
      }
      s.attempt = s.firstAttempt;
      active++;
      launchAttempt(s);
    }

    void launchAttempt(StepState s) {
      s.retryScheduled = false;
      s.startedAt = clock.instant();
      s.status = StepStatus.RUNNING;
      store.saveStep(new StepRecord(runId, s.step.name(), StepStatus.RUNNING, s.attempt, s.cacheKey, null, s.startedAt, null, null));
      listener.onEvent(new StepStarted(runId, s.step.name(), s.attempt));
      int attempt = s.attempt;
      StepLogSink log = logSink(s.step.name(), attempt);
      LaunchedStep launched;
      try {
        launched = launcher.launch(new StepLaunch(plan, runId, s.step, attempt, log));
      } catch (RuntimeException e) {
        attemptEnded(s, attempt, null, e);
        return;
      }
      s.running = launched;
      Duration timeout = s.step.policy().timeout();
      if (timeout != null) {
        s.timeout =
            timers.schedule(
                () -> events.add(() -> timedOut(s, attempt, timeout)), timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      launched.result().whenComplete((outs, err) -> events.add(() -> attemptEnded(s, attempt, outs, err)));
    }

    void timedOut(StepState s, int attempt, Duration timeout) {
      if (s.attempt == attempt && s.running != null) {
        LaunchedStep r = s.running;
        attemptEnded(s, attempt, null, new StepFailedException("timed out after " + human(timeout)));
        r.cancel();
      }
    }

    void attemptEnded(StepState s, int attempt, Map<String, ArtifactRecord> outs, Throwable err) {
      if (s.attempt != attempt || s.status != StepStatus.RUNNING) {
        return; // a late end of an attempt that already timed out or was replaced
      }
      s.running = null;
      if (s.timeout != null) {
        s.timeout.cancel(false);
      }
      RunLogs log = openLogs.get(s.step.name());
      if (log != null) {
        log.close(); // publish the attempt's log now; late lines are still saved
      }
      Instant now = clock.instant();
      if (err == null) {
        s.outputs = outs;
        s.status = StepStatus.SUCCEEDED;
        store.saveStep(new StepRecord(runId, s.step.name(), StepStatus.SUCCEEDED, attempt, s.cacheKey, null, s.startedAt, now, null));
        listener.onEvent(new StepSucceeded(runId, s.step.name(), attempt, Duration.between(s.startedAt, now)));
        active--;
        succeeded(s);
        return;
      }
      String message = message(err);
      boolean canRetry = attempt - s.firstAttempt + 1 < s.step.policy().maxAttempts() && !halted && !stopRequested;
      if (canRetry) {
        Duration wait = s.step.policy().retry().backoffBefore(attempt - s.firstAttempt + 2);
        s.status = StepStatus.RUNNING;
        s.retryScheduled = true;
        s.attempt = attempt + 1;
        store.saveStep(new StepRecord(runId, s.step.name(), StepStatus.RUNNING, attempt, s.cacheKey, null, s.startedAt, now, message));
        listener.onEvent(new StepFailed(runId, s.step.name(), attempt, message, wait));
        timers.schedule(() -> events.add(() -> retry(s, attempt + 1)), wait.toMillis(), TimeUnit.MILLISECONDS);
        return;
      }
      active--;
      s.status = StepStatus.FAILED;
      store.saveStep(new StepRecord(runId, s.step.name(), StepStatus.FAILED, attempt, s.cacheKey, null, s.startedAt, now, message));
      listener.onEvent(new StepFailed(runId, s.step.name(), attempt, message, null));
      if (firstError == null) {
        firstError = "step '" + s.step.name() + "' failed: " + message;
      }
      if (plan.failFast()) {
        halted = true;
      } else {
        skipDescendants(s);
      }
    }

    void retry(StepState s, int attempt) {
      if (s.attempt != attempt || !s.retryScheduled) {
        return;
      }
      if (halted) {
        s.retryScheduled = false;
        active--;
        s.status = StepStatus.FAILED;
        Instant now = clock.instant();
        String reason = "not retried: " + (stopRequested ? "the run was stopped" : "another step failed (fail fast)");
        store.saveStep(new StepRecord(runId, s.step.name(), StepStatus.FAILED, attempt - 1, s.cacheKey, null, s.startedAt, now, reason));
        listener.onEvent(new StepFailed(runId, s.step.name(), attempt - 1, reason, null));
        return;
      }
      launchAttempt(s);
    }

    void succeeded(StepState s) {
      for (StepState c : s.children) {
        if (--c.waitingFor == 0 && c.status == StepStatus.PENDING) {
          ready.add(c);
        }
      }
    }

    void skipDescendants(StepState failed) {
      Deque<StepState> todo = new ArrayDeque<>(failed.children);
      while (!todo.isEmpty()) {
        StepState c = todo.poll();
        if (c.status == StepStatus.PENDING) {
          skip(c, "upstream step '" + failed.step.name() + "' failed");
          todo.addAll(c.children);
        }
      }
    }

    void skip(StepState s, String reason) {
      s.status = StepStatus.SKIPPED;
      store.saveStep(new StepRecord(runId, s.step.name(), StepStatus.SKIPPED, s.firstAttempt - 1, null, null, null, null, reason));
      listener.onEvent(new StepSkipped(runId, s.step.name(), reason));
    }

    RunStatus finish() {
      openLogs.values().forEach(RunLogs::close);
      String reason = stopRequested ? "the run was stopped" : "not run: " + (firstError == null ? "the run stopped" : firstError);
      for (StepState s : states.values()) {
        if (s.status == StepStatus.PENDING) {
          skip(s, reason);
        }
      }
      boolean allDone = states.values().stream().allMatch(s -> s.status.hasOutputs());
      RunStatus status = stopRequested ? RunStatus.STOPPED : allDone ? RunStatus.SUCCEEDED : RunStatus.FAILED;
      Instant end = clock.instant();
      String error = status == RunStatus.SUCCEEDED ? null : stopRequested ? "stopped by the user" : firstError;
      store.updateRun(runId, status, end, error);
      listener.onEvent(new RunFinished(runId, status, error, Duration.between(start, end)));
      return status;
    }

    Map<String, String> inputArtifacts(StepState s) {
      Map<String, String> ids = new LinkedHashMap<>();
      for (PlanInput in : s.step.inputs()) {
        if (in.isParameter()) {
          continue;
        }
        StepState up = states.get(in.step());
        if (in.output() != null) {
          ids.put(in.name(), up.outputs.get(in.output()).id());
        } else if (!up.step.recordOutput()) {
          ids.put(in.name(), up.outputs.get(PlanOutputs.DEFAULT).id());
        } else {
          for (PlanOutput o : up.step.outputs()) {
            ids.put(in.name() + "." + o.name(), up.outputs.get(o.name()).id());
          }
        }
      }
      return ids;
    }

    Map<String, List<String>> inputContent(StepState s) {
      Map<String, List<String>> content = new HashMap<>();
      for (PlanInput in : s.step.inputs()) {
        if (in.isParameter()) {
          continue;
        }
        StepState up = states.get(in.step());
        List<String> names = in.output() != null ? List.of(in.output()) : up.step.outputs().stream().map(PlanOutput::name).toList();
        content.put(in.name(), names.stream().map(n -> up.outputs.get(n).contentHash()).toList());
      }
      return content;
    }

    /**
     * Whether no artifact is known corrupt. Cache hits need not ask: the store's lookup already
     * skips executions with a corrupt output; outputs kept for a resume do.
     */
    boolean notCorrupt(Map<String, ArtifactRecord> outputs) {
      return outputs.values().stream().noneMatch(a -> store.isArtifactCorrupt(a.id()));
    }

    /**
     * Whether every artifact is still in the artifact store; one that is missing is marked
     * corrupt, so later lookups skip its execution without asking the store.
     */
    boolean present(Map<String, ArtifactRecord> outputs) {
      for (ArtifactRecord a : outputs.values()) {
        if (!artifacts.exists(a.path())) {
          store.markArtifactCorrupt(a.id());
          return false;
        }
      }
      return true;
    }

    StepLogSink logSink(String step, int attempt) {
      RunLogs logs = new RunLogs(artifacts, runId, step);
      RunLogs earlier = openLogs.put(step, logs);
      if (earlier != null) {
        earlier.close();
      }
      logs.header(attempt);
      return line -> {
        listener.onEvent(new StepLogLine(runId, step, line));
        logs.append(line);
      };
    }
  }

  private static List<String> outputNames(StepState s) {
    return s.step.outputs().stream().map(PlanOutput::name).toList();
  }

  private static Map<String, ArtifactRecord> dataOutputs(Map<String, ArtifactRecord> all) {
    Map<String, ArtifactRecord> data = new LinkedHashMap<>();
    all.forEach((k, v) -> {
      if (v.kind() == ArtifactRecord.Kind.DATA) {
        data.put(k, v);
      }
    });
    return data;
  }

  private static String message(Throwable err) {
    Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    String m = t.getMessage();
    return t instanceof StepFailedException || m != null && t instanceof IllegalStateException
        ? m
        : t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private static int minPositive(int a, int b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }

  static String human(Duration d) {
    return d.toMillis() < 1000 ? d.toMillis() + " ms" : d.toSeconds() + " s";
  }
}
