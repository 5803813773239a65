package dev.skiff.core.engine;

import dev.skiff.core.plan.PlanInput;
import dev.skiff.core.plan.PlanOutput;
import dev.skiff.core.plan.PlanOutputs;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.plan.StepPolicy;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunEvent.RunFinished;
import dev.skiff.core.spi.RunEvent.RunStarted;
import dev.skiff.core.spi.RunEvent.StepCached;
import dev.skiff.core.spi.RunEvent.StepFailed;
import dev.skiff.core.spi.RunEvent.StepReused;
import dev.skiff.core.spi.RunEvent.StepSkipped;
import dev.skiff.core.spi.RunEvent.StepStarted;
import dev.skiff.core.spi.RunEvent.StepStopped;
import dev.skiff.core.spi.RunEvent.StepSucceeded;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.FailureKind;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
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

/**
 * The life of one run as a pure function: an {@link Event} in, the {@link Action}s it calls for
 * out. It decides which step starts, what is cached, retried, timed out, stopped or skipped and how
 * the run ends; it does no I/O, reads no clock (every event comes with its time) and starts no
 * thread. A driver ({@link DagScheduler}) persists, launches, runs the timers and feeds the results
 * back, the same for threads, processes and pods.
 *
 * <p>Every status change goes through {@link Transitions}, so no path can move a step or a run
 * where the table does not allow.
 */
public final class RunState {
  /** How long running attempts may take to end after a stop before they are given up on. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(1);

  // ---- events in

  /** What happened; the driver passes each with the time it happened. */
  public sealed interface Event {}

  /** The driver's answer to {@link CheckCache}: the cached outputs, or null for a miss. */
  public record CacheChecked(String step, CacheHit hit) implements Event {}

  /** Outputs of an earlier execution with the same cache key, all present in the store. */
  public record CacheHit(Map<String, ArtifactRecord> outputs, String fromRun) {
    public CacheHit {
      outputs = Map.copyOf(outputs);
    }
  }

  public record AttemptSucceeded(String step, int attempt, Map<String, ArtifactRecord> outputs)
      implements Event {}

  public record AttemptFailed(String step, int attempt, FailureKind kind, String message)
      implements Event {
    public AttemptFailed {
      Objects.requireNonNull(kind, "kind");
    }
  }

  public record TimerFired(Timer timer) implements Event {}

  /** The user (Ctrl-C, {@code runs stop}) or the platform asks the run to stop. */
  public record StopRequested(String reason) implements Event {}

  // ---- actions out

  /** What the driver must do, in order. */
  public sealed interface Action {}

  /** Look up {@code cacheKey}; answer with {@link CacheChecked}. */
  public record CheckCache(PlanStep step, String cacheKey) implements Action {}

  /** Start this attempt; report its end with {@link AttemptSucceeded} or {@link AttemptFailed}. */
  public record Launch(PlanStep step, int attempt) implements Action {}

  /** Stop this attempt; its end is still reported (as a failure). */
  public record Cancel(String step, int attempt) implements Action {}

  public record SaveStep(StepRecord record) implements Action {}

  /** Record a cache hit's outputs (and the inputs they were computed from) as this step's. */
  public record LinkOutputs(
      String step, Map<String, String> outputIds, Map<String, String> inputIds) implements Action {}

  public record SaveRun(RunStatus status, Instant endedAt, String error) implements Action {}

  public record Emit(RunEvent event) implements Action {}

  public record SetTimer(Timer timer, Duration delay) implements Action {}

  public record CancelTimer(Timer timer) implements Action {}

  /** The attempt's log is complete: publish it. */
  public record CloseLog(String step) implements Action {}

  /** The run is over; nothing follows. */
  public record Finish(RunStatus status, String error) implements Action {}

  /** A timer the driver runs; {@code attempt} is 0 for {@link TimerKind#STOP_GRACE}. */
  public record Timer(TimerKind kind, String step, int attempt) {}

  public enum TimerKind {
    RETRY,
    TIMEOUT,
    STOP_GRACE
  }

  // ---- state

  private final RunPlan plan;
  private final String runId;
  private final String artifactStore;
  private final int limit;
  private final Map<String, StepState> states = new LinkedHashMap<>();
  private final Deque<StepState> ready = new ArrayDeque<>();
  private List<Action> out = new ArrayList<>();
  private Instant now;
  private Instant start;
  private RunStatus runStatus;
  private int active;
  private boolean halted;
  private boolean stopping;
  private boolean finished;
  private String firstError;

  /**
   * @param artifactStore URI of the run's artifact store (part of every cache key)
   * @param launcherParallelism steps the launcher can run at once, 0 for no limit
   */
  public RunState(RunPlan plan, String runId, String artifactStore, int launcherParallelism) {
    this.plan = Objects.requireNonNull(plan, "plan");
    this.runId = Objects.requireNonNull(runId, "runId");
    this.artifactStore = Objects.requireNonNull(artifactStore, "artifactStore");
    this.limit = minPositive(plan.maxParallelism(), launcherParallelism);
  }

  private static final class StepState {
    final PlanStep step;
    final List<StepState> children = new ArrayList<>();
    int waitingFor;
    StepStatus status = StepStatus.PENDING;
    int firstAttempt = 1;
    int attempt;
    int userFailures;
    int infraFailures;
    String cacheKey;
    Instant startedAt;
    boolean running;
    boolean checking;
    boolean retryScheduled;
    Map<String, ArtifactRecord> outputs = Map.of();
    Map<String, String> inputs = Map.of();

    StepState(PlanStep step) {
      this.step = step;
    }
  }

  /**
   * Starts (or resumes, or continues after a restart) the run.
   *
   * @param previous the run's step records so far (empty for a new run)
   * @param kept outputs of earlier attempts that are still usable (present and not corrupt), by
   *     step: those steps are not run again
   * @param restart true when the same run continues after its orchestrator restarted (attempts in
   *     flight are adopted, retry budgets kept); false for a new run or a resume by the user
   */
  public List<Action> start(
      List<StepRecord> previous,
      Map<String, Map<String, ArtifactRecord>> kept,
      boolean restart,
      Instant at) {
    begin(at);
    if (start != null) {
      throw new IllegalStateException("run " + runId + " already started");
    }
    start = at;
    for (PlanStep step : plan.steps()) {
      states.put(step.name(), new StepState(step));
    }
    boolean resumed = false;
    List<String> reused = new ArrayList<>();
    for (StepRecord p : previous) {
      StepState s = states.get(p.name());
      if (s == null) {
        continue;
      }
      resumed = true;
      boolean inFlight = p.status() == StepStatus.RUNNING && p.endedAt() == null;
      // An attempt in flight lost its orchestrator, not its work: launching the same attempt
      // again adopts it (a pod of the same name). Anything else gets a new attempt.
      s.firstAttempt = inFlight && restart ? Math.max(1, p.attempt()) : p.attempt() + 1;
      if (restart) {
        s.userFailures = p.userFailures();
        s.infraFailures = p.infraFailures();
      }
      Map<String, ArtifactRecord> outs = kept.get(p.name());
      if (p.status().hasOutputs() && outs != null) {
        s.status = p.status();
        s.outputs = Map.copyOf(outs);
        s.cacheKey = p.cacheKey();
        reused.add(p.name());
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
    runStatus = RunStatus.RUNNING;
    out.add(new SaveRun(RunStatus.RUNNING, null, null));
    out.add(new Emit(new RunStarted(runId, plan, resumed)));
    reused.forEach(step -> out.add(new Emit(new StepReused(runId, step))));
    for (StepState s : states.values()) {
      if (s.status == StepStatus.PENDING && s.waitingFor == 0) {
        ready.add(s);
      }
    }
    return end();
  }

  /** Applies one event that happened at {@code at}. */
  public List<Action> on(Event event, Instant at) {
    begin(at);
    if (start == null) {
      throw new IllegalStateException("run " + runId + " has not started");
    }
    if (finished) {
      return List.of(); // late news of a run that ended
    }
    if (event instanceof CacheChecked c) {
      cacheChecked(c);
    } else if (event instanceof AttemptSucceeded a) {
      attemptSucceeded(a);
    } else if (event instanceof AttemptFailed a) {
      attemptFailed(a);
    } else if (event instanceof TimerFired t) {
      timerFired(t.timer());
    } else if (event instanceof StopRequested) {
      stop();
    }
    return end();
  }

  public boolean finished() {
    return finished;
  }

  /** The run's status as decided so far. */
  public RunStatus status() {
    return runStatus;
  }

  /** The step's status as decided so far. */
  public StepStatus stepStatus(String step) {
    return state(step).status;
  }

  // ---- transitions

  private void begin(Instant at) {
    now = Objects.requireNonNull(at, "at");
    out = new ArrayList<>();
  }

  private List<Action> end() {
    launchReady();
    if (!finished && active == 0 && (halted || stopping || ready.isEmpty())) {
      finish();
    }
    return List.copyOf(out);
  }

  private void launchReady() {
    while (!halted && !stopping && !ready.isEmpty() && (limit == 0 || active < limit)) {
      StepState s = ready.poll();
      if (s.status != StepStatus.PENDING) {
        continue;
      }
      s.inputs = inputArtifacts(s);
      s.cacheKey = CacheKeys.of(s.step, inputContent(s), artifactStore);
      active++;
      if (s.step.policy().enableCache()) {
        s.checking = true;
        out.add(new CheckCache(s.step, s.cacheKey));
      } else {
        s.attempt = s.firstAttempt;
        launch(s);
      }
    }
  }

  private void cacheChecked(CacheChecked c) {
    StepState s = state(c.step());
    if (!s.checking) {
      return;
    }
    s.checking = false;
    if (c.hit() != null && c.hit().outputs().keySet().containsAll(outputNames(s))) {
      Map<String, String> outIds = new LinkedHashMap<>();
      c.hit().outputs().forEach((name, a) -> outIds.put(name, a.id()));
      out.add(new LinkOutputs(s.step.name(), outIds, s.inputs));
      s.outputs = dataOutputs(c.hit().outputs());
      move(s, StepStatus.CACHED);
      save(s, s.firstAttempt - 1, c.hit().fromRun(), now, now, null);
      out.add(new Emit(new StepCached(runId, s.step.name(), c.hit().fromRun())));
      active--;
      succeeded(s);
    } else if (halted || stopping) {
      active--; // stays PENDING; skipped when the run ends
    } else {
      s.attempt = s.firstAttempt;
      launch(s);
    }
  }

  private void launch(StepState s) {
    s.retryScheduled = false;
    s.running = true;
    s.startedAt = now;
    move(s, StepStatus.RUNNING);
    save(s, s.attempt, null, s.startedAt, null, null);
    out.add(new Emit(new StepStarted(runId, s.step.name(), s.attempt)));
    out.add(new Launch(s.step, s.attempt));
    Duration timeout = s.step.policy().timeout();
    if (timeout != null) {
      out.add(new SetTimer(new Timer(TimerKind.TIMEOUT, s.step.name(), s.attempt), timeout));
    }
  }

  private void attemptSucceeded(AttemptSucceeded a) {
    StepState s = state(a.step());
    if (!isCurrent(s, a.attempt())) {
      return; // a late end of an attempt that timed out or was given up on
    }
    endAttempt(s);
    s.outputs = Map.copyOf(a.outputs());
    move(s, StepStatus.SUCCEEDED);
    save(s, s.attempt, null, s.startedAt, now, null);
    out.add(
        new Emit(
            new StepSucceeded(
                runId, s.step.name(), s.attempt, Duration.between(s.startedAt, now))));
    active--;
    succeeded(s);
  }

  private void attemptFailed(AttemptFailed a) {
    StepState s = state(a.step());
    if (!isCurrent(s, a.attempt())) {
      return;
    }
    endAttempt(s);
    if (stopping) {
      stopped(s, a.attempt(), "stopped while running: " + a.message());
      return;
    }
    boolean infra = a.kind() == FailureKind.INFRASTRUCTURE;
    StepPolicy policy = s.step.policy();
    boolean retry =
        !halted
            && a.kind() != FailureKind.CANCELLED
            && (infra
                ? s.infraFailures < policy.infrastructureRetries()
                : policy.retryOn().contains(a.kind()) && s.userFailures + 1 < policy.maxAttempts());
    if (infra) {
      s.infraFailures++;
    } else {
      s.userFailures++;
    }
    if (retry) {
      Duration wait = policy.retry().backoffBefore(s.userFailures + s.infraFailures + 1);
      s.retryScheduled = true;
      save(s, a.attempt(), null, s.startedAt, now, a.message());
      s.attempt = a.attempt() + 1;
      out.add(new Emit(new StepFailed(runId, s.step.name(), a.attempt(), a.message(), wait)));
      out.add(new SetTimer(new Timer(TimerKind.RETRY, s.step.name(), s.attempt), wait));
      return;
    }
    fail(s, a.attempt(), a.message());
  }

  private void timerFired(Timer timer) {
    switch (timer.kind()) {
      case TIMEOUT -> {
        StepState s = state(timer.step());
        if (isCurrent(s, timer.attempt())) {
          Duration timeout = s.step.policy().timeout();
          out.add(new Cancel(s.step.name(), timer.attempt()));
          attemptFailed(
              new AttemptFailed(
                  s.step.name(),
                  timer.attempt(),
                  FailureKind.TIMEOUT,
                  "timed out after " + human(timeout)));
        }
      }
      case RETRY -> {
        StepState s = state(timer.step());
        if (!s.retryScheduled || s.attempt != timer.attempt()) {
          return;
        }
        if (halted) {
          s.retryScheduled = false;
          fail(s, timer.attempt() - 1, "not retried: another step failed (fail fast)");
          return;
        }
        launch(s);
      }
      case STOP_GRACE -> {
        for (StepState s : states.values()) {
          if (s.running) {
            // the attempt did not end when cancelled: give up on it; its late end is ignored
            out.add(new CloseLog(s.step.name()));
            s.running = false;
            stopped(
                s,
                s.attempt,
                "stopped: the attempt did not end within "
                    + human(STOP_GRACE)
                    + " of the stop and was abandoned");
          }
        }
      }
    }
  }

  private void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    Transitions.checkRun(runStatus, RunStatus.STOPPING);
    runStatus = RunStatus.STOPPING;
    out.add(new SaveRun(RunStatus.STOPPING, null, null));
    boolean anyRunning = false;
    for (StepState s : states.values()) {
      if (s.running) {
        anyRunning = true;
        out.add(new Cancel(s.step.name(), s.attempt));
      } else if (s.retryScheduled) {
        s.retryScheduled = false;
        out.add(new CancelTimer(new Timer(TimerKind.RETRY, s.step.name(), s.attempt)));
        stopped(s, s.attempt - 1, "stopped while waiting to be retried");
      }
    }
    if (anyRunning) {
      out.add(new SetTimer(new Timer(TimerKind.STOP_GRACE, null, 0), STOP_GRACE));
    }
  }

  private void endAttempt(StepState s) {
    s.running = false;
    if (s.step.policy().timeout() != null) {
      out.add(new CancelTimer(new Timer(TimerKind.TIMEOUT, s.step.name(), s.attempt)));
    }
    out.add(new CloseLog(s.step.name()));
  }

  private void stopped(StepState s, int attempt, String reason) {
    active--;
    move(s, StepStatus.STOPPED);
    save(s, attempt, null, s.startedAt, now, reason);
    out.add(new Emit(new StepStopped(runId, s.step.name(), reason)));
  }

  private void fail(StepState s, int attempt, String message) {
    active--;
    move(s, StepStatus.FAILED);
    save(s, attempt, null, s.startedAt, now, message);
    out.add(new Emit(new StepFailed(runId, s.step.name(), attempt, message, null)));
    if (firstError == null) {
      firstError = "step '" + s.step.name() + "' failed: " + message;
    }
    if (plan.failFast()) {
      halted = true;
    } else {
      skipDescendants(s);
    }
  }

  private void succeeded(StepState s) {
    for (StepState c : s.children) {
      if (--c.waitingFor == 0 && c.status == StepStatus.PENDING) {
        ready.add(c);
      }
    }
  }

  private void skipDescendants(StepState failed) {
    Deque<StepState> todo = new ArrayDeque<>(failed.children);
    while (!todo.isEmpty()) {
      StepState c = todo.poll();
      if (c.status == StepStatus.PENDING) {
        skip(c, "upstream step '" + failed.step.name() + "' failed");
        todo.addAll(c.children);
      }
    }
  }

  private void skip(StepState s, String reason) {
    move(s, StepStatus.SKIPPED);
    save(s, s.firstAttempt - 1, null, null, null, reason);
    out.add(new Emit(new StepSkipped(runId, s.step.name(), reason)));
  }

  private void finish() {
    String reason =
        stopping
            ? "the run was stopped"
            : "not run: " + (firstError == null ? "the run stopped" : firstError);
    for (StepState s : states.values()) {
      if (s.status == StepStatus.PENDING) {
        skip(s, reason);
      }
    }
    boolean allDone = states.values().stream().allMatch(s -> s.status.hasOutputs());
    RunStatus status =
        stopping ? RunStatus.STOPPED : allDone ? RunStatus.SUCCEEDED : RunStatus.FAILED;
    Transitions.checkRun(runStatus, status);
    runStatus = status;
    String error =
        status == RunStatus.SUCCEEDED ? null : stopping ? "stopped by the user" : firstError;
    finished = true;
    out.add(new CancelTimer(new Timer(TimerKind.STOP_GRACE, null, 0)));
    out.add(new SaveRun(status, now, error));
    out.add(new Emit(new RunFinished(runId, status, error, Duration.between(start, now))));
    out.add(new Finish(status, error));
  }

  // ---- helpers

  private boolean isCurrent(StepState s, int attempt) {
    return s.running && s.attempt == attempt;
  }

  private void move(StepState s, StepStatus to) {
    Transitions.checkStep(s.step.name(), s.status, to);
    s.status = to;
  }

  private void save(
      StepState s,
      int attempt,
      String cachedFrom,
      Instant startedAt,
      Instant endedAt,
      String error) {
    out.add(
        new SaveStep(
            new StepRecord(
                runId,
                s.step.name(),
                s.status,
                attempt,
                s.cacheKey,
                cachedFrom,
                startedAt,
                endedAt,
                error,
                s.userFailures,
                s.infraFailures)));
  }

  private StepState state(String step) {
    StepState s = states.get(step);
    if (s == null) {
      throw new IllegalArgumentException("no step '" + step + "' in run " + runId);
    }
    return s;
  }

  private Map<String, String> inputArtifacts(StepState s) {
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

  private Map<String, List<String>> inputContent(StepState s) {
    Map<String, List<String>> content = new HashMap<>();
    for (PlanInput in : s.step.inputs()) {
      if (in.isParameter()) {
        continue;
      }
      StepState up = states.get(in.step());
      List<String> names =
          in.output() != null
              ? List.of(in.output())
              : up.step.outputs().stream().map(PlanOutput::name).toList();
      content.put(in.name(), names.stream().map(n -> up.outputs.get(n).contentHash()).toList());
    }
    return content;
  }

  private static List<String> outputNames(StepState s) {
    return s.step.outputs().stream().map(PlanOutput::name).toList();
  }

  static Map<String, ArtifactRecord> dataOutputs(Map<String, ArtifactRecord> all) {
    return ArtifactRecord.dataOnly(all);
  }

  private static int minPositive(int a, int b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }

  static String human(Duration d) {
    return d.toMillis() < 1000 ? d.toMillis() + " ms" : d.toSeconds() + " s";
  }
}
