package dev.skiff.core.engine;

import dev.skiff.core.plan.PlanInput;
import dev.skiff.core.plan.PlanOutput;
import dev.skiff.core.plan.PlanOutputs;
import dev.skiff.core.plan.PlanSource;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.plan.StepPolicy;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunEvent.RunFinished;
import dev.skiff.core.spi.RunEvent.RunStarted;
import dev.skiff.core.spi.RunEvent.StepCached;
import dev.skiff.core.spi.RunEvent.StepFailed;
import dev.skiff.core.spi.RunEvent.StepLogLine;
import dev.skiff.core.spi.RunEvent.StepReused;
import dev.skiff.core.spi.RunEvent.StepSkipped;
import dev.skiff.core.spi.RunEvent.StepStarted;
import dev.skiff.core.spi.RunEvent.StepStopped;
import dev.skiff.core.spi.RunEvent.StepSucceeded;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.FailureKind;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.RunSummary;
import dev.skiff.sdk.StepStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The life of one run as a pure function: an {@link Event} in, the {@link Action}s it calls for
 * out. It decides which step starts, what is cached, retried, timed out, stopped or skipped, how a
 * map expands into instances, whether a condition lets a step run, when the hooks run and how the
 * run ends; it does no I/O, reads no clock (every event comes with its time) and starts no thread.
 * A driver ({@link DagScheduler}) persists, launches, runs the timers and feeds the results back,
 * the same for threads, processes and pods.
 *
 * <p>Every status change goes through {@link Transitions}, so no path can move a step or a run
 * where the table does not allow.
 *
 * <p>A map step is one node of the plan. When its items are known (its upstream has outputs, which
 * hold one artifact per element), it expands into one instance per element, named {@code map[i]}:
 * each an ordinary step for everything here (status, attempts, cache key, timers, token), with at
 * most the map's {@code maxParallelism} running at once. The map node is {@code RUNNING} while its
 * instances run and {@code SUCCEEDED} with their outputs, in order, once all have them.
 */
public final class RunState {
  /** How long running attempts may take to end after a stop before they are given up on. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(1);

  /** The reason of a step skipped because its condition is false, and of what needs its outputs. */
  public static final String CONDITION_FALSE = "condition false";

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

  /**
   * The driver's answer to {@link ReadCondition}: the boolean the artifact holds, or {@code error}
   * (and a null value) when it could not be read.
   */
  public record ConditionRead(String artifactId, Boolean value, String error) implements Event {}

  /**
   * The driver's answer to {@link WriteSummary}: the artifact that holds the summary, linked as
   * input of every hook to run; or {@code error} (and a null artifact) when it could not be stored.
   */
  public record SummaryWritten(ArtifactRecord artifact, String error) implements Event {}

  // ---- actions out

  /** What the driver must do, in order. */
  public sealed interface Action {}

  /** Look up {@code cacheKey}; answer with {@link CacheChecked}. */
  public record CheckCache(PlanStep step, String cacheKey) implements Action {}

  /**
   * Start this attempt; report its end with {@link AttemptSucceeded} or {@link AttemptFailed}. For
   * a map instance, {@code step} is the instance ({@link PlanStep#instance}).
   */
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

  /** Read the boolean a condition's artifact holds; answer with {@link ConditionRead}. */
  public record ReadCondition(ArtifactRecord artifact) implements Action {}

  /**
   * Store {@code summary} as an artifact and link it as input {@code input} of each of {@code
   * hooks} (input name to hook step); answer with {@link SummaryWritten}.
   */
  public record WriteSummary(RunSummary summary, Map<String, String> hooks) implements Action {}

  /** The run is over; nothing follows. */
  public record Finish(RunStatus status, String error) implements Action {}

  /** A timer the driver runs; {@code attempt} is 0 for {@link TimerKind#STOP_GRACE}. */
  public record Timer(TimerKind kind, String step, int attempt) {}

  public enum TimerKind {
    RETRY,
    TIMEOUT,
    STOP_GRACE
  }

  /** Where the run is: its steps, then writing the summary for the hooks, then the hooks. */
  private enum Phase {
    STEPS,
    SUMMARY,
    HOOKS
  }

  // ---- state

  private final RunPlan plan;
  private final String runId;
  private final String artifactStore;
  private final int limit;
  private final Map<String, StepState> states = new LinkedHashMap<>();
  private final Deque<StepState> ready = new ArrayDeque<>();

  /** Records of an earlier drive of this run for map instances, applied when the map expands. */
  private final Map<String, StepRecord> previousInstances = new HashMap<>();

  private Map<String, Map<String, ArtifactRecord>> keptOutputs = Map.of();
  private boolean restart;

  /**
   * Condition artifacts read so far (artifact id to value), asked for, and steps waiting on them.
   */
  private final Map<String, Boolean> conditionValues = new HashMap<>();

  private final Map<String, List<StepState>> awaitingCondition = new HashMap<>();
  private List<Action> out = new ArrayList<>();
  private Instant now;
  private Instant start;
  private RunStatus runStatus;
  private Phase phase = Phase.STEPS;
  private RunStatus outcome;
  private ArtifactRecord summary;
  private int active;
  private boolean halted;
  private boolean stopping;
  private boolean finished;
  private String firstError;
  private String failedStep;

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

    /**
     * Steps whose outputs this one reads (inputs, fan-ins, conditions), not {@code after} edges.
     */
    final Set<String> dataUpstream = new HashSet<>();

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

    /** Skipped because a condition was false: counts as done for the run's outcome. */
    boolean conditionFalse;

    StepRecord last;
    Map<String, ArtifactRecord> outputs = Map.of();
    Map<String, String> inputs = Map.of();

    /** For a map node once expanded: its instances. */
    MapState expansion;

    /** For a map instance: its map. */
    MapState instanceOf;

    StepState(PlanStep step) {
      this.step = step;
      for (PlanInput in : step.inputs()) {
        if (in.step() != null) {
          dataUpstream.add(in.step());
        }
        if (in.isFanIn()) {
          in.sources().forEach(s -> dataUpstream.add(s.step()));
        }
      }
      step.conditions().forEach(c -> dataUpstream.add(c.step()));
    }

    String name() {
      return step.name();
    }

    boolean isHook() {
      return step.hook() != null;
    }
  }

  /** A map node's instances, how many run, and which wait for the map's own parallelism. */
  private static final class MapState {
    final StepState node;
    final int limit;
    final List<StepState> instances = new ArrayList<>();
    final Deque<StepState> blocked = new ArrayDeque<>();
    int active;
    int remaining;

    MapState(StepState node) {
      this.node = node;
      this.limit = node.step.map().maxParallelism();
    }
  }

  /**
   * Starts (or resumes, or continues after a restart) the run.
   *
   * @param previous the run's step records so far (empty for a new run), map instances included
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
    this.keptOutputs = Map.copyOf(kept);
    this.restart = restart;
    for (PlanStep step : plan.steps()) {
      states.put(step.name(), new StepState(step));
    }
    boolean resumed = false;
    List<String> reused = new ArrayList<>();
    for (StepRecord p : previous) {
      resumed = true;
      StepState s = states.get(p.name());
      if (s == null) {
        if (PlanStep.isInstanceName(p.name())) {
          previousInstances.put(p.name(), p);
        }
        continue;
      }
      if (applyPrevious(s, p)) {
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
      if (s.status == StepStatus.PENDING && s.waitingFor == 0 && !s.isHook()) {
        ready.add(s);
      }
    }
    return end();
  }

  /**
   * Takes over what an earlier drive of the run left: attempt numbers, retry budgets (on a restart)
   * and outputs that can be kept. Returns whether the step keeps its outputs. Hooks never keep
   * theirs: they run again for the new outcome.
   */
  private boolean applyPrevious(StepState s, StepRecord p) {
    boolean inFlight = p.status() == StepStatus.RUNNING && p.endedAt() == null;
    // An attempt in flight lost its orchestrator, not its work: launching the same attempt
    // again adopts it (a pod of the same name). Anything else gets a new attempt.
    s.firstAttempt = inFlight && restart ? Math.max(1, p.attempt()) : p.attempt() + 1;
    if (restart) {
      s.userFailures = p.userFailures();
      s.infraFailures = p.infraFailures();
    }
    Map<String, ArtifactRecord> outs = keptOutputs.get(p.name());
    if (p.status().hasOutputs() && outs != null && !s.isHook()) {
      s.status = p.status();
      s.outputs = Map.copyOf(outs);
      s.cacheKey = p.cacheKey();
      return true;
    }
    return false;
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
    } else if (event instanceof ConditionRead c) {
      conditionRead(c);
    } else if (event instanceof SummaryWritten w) {
      summaryWritten(w);
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

  /** The step's status as decided so far; map instances by their name, e.g. {@code m[3]}. */
  public StepStatus stepStatus(String step) {
    return state(step).status;
  }

  // ---- transitions

  private void begin(Instant at) {
    now = Objects.requireNonNull(at, "at");
    out = new ArrayList<>();
  }

  private List<Action> end() {
    while (true) {
      launchReady();
      if (finished || !idle()) {
        break;
      }
      if (!advance()) {
        break;
      }
    }
    return List.copyOf(out);
  }

  /** Nothing runs or is being looked up, and nothing more can start in this phase. */
  private boolean idle() {
    if (active > 0 || !awaitingCondition.isEmpty()) {
      return false;
    }
    if (phase == Phase.SUMMARY) {
      return stopping;
    }
    return stopping || (halted && phase == Phase.STEPS) || ready.isEmpty();
  }

  /**
   * Moves to the next phase once the current one is idle; returns whether steps may have become
   * ready.
   */
  private boolean advance() {
    if (phase == Phase.STEPS) {
      stepsDone();
      if (finished) {
        return false;
      }
      return phase == Phase.HOOKS;
    }
    for (StepState s : states.values()) {
      if (s.isHook() && s.status == StepStatus.PENDING) {
        skip(s, "the run was stopped");
      }
    }
    finish(stopping ? RunStatus.STOPPED : outcome);
    return false;
  }

  /** Every step is final: decides the outcome, then runs the hooks it calls for, or finishes. */
  private void stepsDone() {
    String reason =
        stopping
            ? "the run was stopped"
            : "not run: " + (firstError == null ? "the run stopped" : firstError);
    for (StepState s : new ArrayList<>(states.values())) {
      if (s.isHook()) {
        continue;
      }
      if (s.status == StepStatus.PENDING) {
        skip(s, reason);
      } else if (s.expansion != null && s.status == StepStatus.RUNNING) {
        // a map whose instances could not all run: the run stopped or failed fast
        move(s, stopping ? StepStatus.STOPPED : StepStatus.FAILED);
        String error = stopping ? "the run was stopped" : "not every instance ran: " + firstError;
        save(s, s.attempt, null, s.startedAt, now, error);
        out.add(
            new Emit(
                stopping
                    ? new StepStopped(runId, s.name(), error)
                    : new StepFailed(runId, s.name(), s.attempt, error, null)));
      }
    }
    boolean allDone =
        states.values().stream()
            .filter(s -> !s.isHook())
            .allMatch(s -> s.status.hasOutputs() || s.conditionFalse);
    outcome = stopping ? RunStatus.STOPPED : allDone ? RunStatus.SUCCEEDED : RunStatus.FAILED;
    Map<String, String> hooks = new LinkedHashMap<>();
    for (StepState s : states.values()) {
      if (!s.isHook()) {
        continue;
      }
      if (s.step.hook().runsAfter(outcome)) {
        hooks.put(s.name(), s.step.inputs().get(0).name());
      } else {
        skip(
            s,
            outcome == RunStatus.STOPPED
                ? "the run was stopped"
                : "not run: the run " + (outcome == RunStatus.SUCCEEDED ? "succeeded" : "failed"));
      }
    }
    if (hooks.isEmpty()) {
      finish(outcome);
      return;
    }
    phase = Phase.SUMMARY;
    out.add(new WriteSummary(summary(outcome), hooks));
  }

  private void summaryWritten(SummaryWritten w) {
    if (phase != Phase.SUMMARY) {
      return;
    }
    phase = Phase.HOOKS;
    for (StepState s : states.values()) {
      if (s.isHook() && s.status == StepStatus.PENDING) {
        if (w.artifact() == null) {
          skip(s, "not run: the run summary could not be stored: " + w.error());
        } else {
          ready.add(s);
        }
      }
    }
    summary = w.artifact();
  }

  private void launchReady() {
    while (!stopping
        && (!halted || phase == Phase.HOOKS)
        && !ready.isEmpty()
        && (limit == 0 || active < limit)) {
      StepState s = ready.poll();
      if (s.status != StepStatus.PENDING) {
        continue;
      }
      if (!conditionsHold(s)) {
        continue;
      }
      if (s.step.map() != null) {
        expand(s);
        continue;
      }
      MapState m = s.instanceOf;
      if (m != null && m.limit > 0 && m.active >= m.limit) {
        m.blocked.add(s); // released when an instance of the map ends
        continue;
      }
      s.inputs = inputArtifacts(s);
      s.cacheKey = CacheKeys.of(s.step, inputContent(s), artifactStore);
      acquire(s);
      if (s.step.policy().enableCache() && !s.isHook()) {
        s.checking = true;
        out.add(new CheckCache(s.step, s.cacheKey));
      } else {
        s.attempt = s.firstAttempt;
        launch(s);
      }
    }
  }

  /**
   * Whether every condition of {@code s} is known true. A false one skips it (and what needs its
   * outputs); an unknown one is read first, {@code s} waits for the answer.
   */
  private boolean conditionsHold(StepState s) {
    boolean unknown = false;
    for (PlanSource c : s.step.conditions()) {
      ArtifactRecord a = states.get(c.step()).outputs.get(c.output());
      Boolean value = conditionValues.get(a.id());
      if (value == null) {
        unknown = true;
        List<StepState> waiting = awaitingCondition.get(a.id());
        if (waiting == null) {
          waiting = new ArrayList<>();
          awaitingCondition.put(a.id(), waiting);
          out.add(new ReadCondition(a));
        }
        waiting.add(s);
      } else if (!value) {
        skipForCondition(s, CONDITION_FALSE + ": " + describe(c) + " is false");
        return false;
      }
    }
    return !unknown;
  }

  private void conditionRead(ConditionRead c) {
    List<StepState> waiting = awaitingCondition.remove(c.artifactId());
    if (waiting == null) {
      return;
    }
    if (c.value() == null) {
      for (StepState s : waiting) {
        if (s.status == StepStatus.PENDING) {
          String error = "cannot read the condition of step '" + s.name() + "': " + c.error();
          skip(s, error);
          if (firstError == null) {
            firstError = error;
            failedStep = s.name();
          }
          if (plan.failFast()) {
            halted = true;
          } else {
            skipDescendants(s);
          }
        }
      }
      return;
    }
    conditionValues.put(c.artifactId(), c.value());
    for (int i = waiting.size() - 1; i >= 0; i--) {
      ready.addFirst(waiting.get(i));
    }
  }

  /** Expands a ready map node into one instance per element of its items. */
  private void expand(StepState node) {
    PlanInput items = node.step.inputs().get(0);
    StepState source = states.get(items.step());
    int n = 0;
    while (source.outputs.containsKey(PlanStep.elementName(items.output(), n))) {
      n++;
    }
    MapState m = new MapState(node);
    node.expansion = m;
    node.attempt = node.firstAttempt;
    node.startedAt = now;
    move(node, StepStatus.RUNNING);
    save(node, node.attempt, null, now, null, null);
    out.add(new Emit(new StepStarted(runId, node.name(), node.attempt)));
    out.add(
        new Emit(
            new StepLogLine(
                runId,
                node.name(),
                n == 0
                    ? "map over an empty list: no instances"
                    : n
                        + " instance"
                        + (n == 1 ? "" : "s")
                        + ": "
                        + PlanStep.instanceName(node.name(), 0)
                        + (n == 1 ? "" : " … " + PlanStep.instanceName(node.name(), n - 1)))));
    for (int i = 0; i < n; i++) {
      StepState inst = new StepState(node.step.instance(i));
      inst.instanceOf = m;
      states.put(inst.name(), inst);
      m.instances.add(inst);
      StepRecord p = previousInstances.get(inst.name());
      if (p != null && applyPrevious(inst, p)) {
        out.add(new Emit(new StepReused(runId, inst.name())));
        continue;
      }
      m.remaining++;
      ready.add(inst);
    }
    if (m.remaining == 0) {
      mapSucceeded(m);
    }
  }

  private void mapSucceeded(MapState m) {
    StepState node = m.node;
    Map<String, ArtifactRecord> outs = new LinkedHashMap<>();
    Map<String, String> ids = new LinkedHashMap<>();
    if (!node.step.outputs().isEmpty()) {
      String name = node.step.outputs().get(0).name();
      for (int i = 0; i < m.instances.size(); i++) {
        ArtifactRecord a = m.instances.get(i).outputs.get(PlanOutputs.DEFAULT);
        outs.put(PlanStep.elementName(name, i), a);
        ids.put(PlanStep.elementName(name, i), a.id());
      }
    }
    out.add(new LinkOutputs(node.name(), ids, Map.of()));
    node.outputs = outs;
    move(node, StepStatus.SUCCEEDED);
    save(node, node.attempt, null, node.startedAt, now, null);
    out.add(
        new Emit(
            new StepSucceeded(
                runId, node.name(), node.attempt, Duration.between(node.startedAt, now))));
    succeeded(node);
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
      out.add(new LinkOutputs(s.name(), outIds, s.inputs));
      s.outputs = dataOutputs(c.hit().outputs());
      move(s, StepStatus.CACHED);
      save(s, s.firstAttempt - 1, c.hit().fromRun(), now, now, null);
      out.add(new Emit(new StepCached(runId, s.name(), c.hit().fromRun())));
      release(s);
      succeeded(s);
    } else if (halted || stopping) {
      release(s); // stays PENDING; skipped when the run ends
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
    out.add(new Emit(new StepStarted(runId, s.name(), s.attempt)));
    out.add(new Launch(s.step, s.attempt));
    Duration timeout = s.step.policy().timeout();
    if (timeout != null) {
      out.add(new SetTimer(new Timer(TimerKind.TIMEOUT, s.name(), s.attempt), timeout));
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
            new StepSucceeded(runId, s.name(), s.attempt, Duration.between(s.startedAt, now))));
    release(s);
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
        (!halted || s.isHook())
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
      out.add(new Emit(new StepFailed(runId, s.name(), a.attempt(), a.message(), wait)));
      out.add(new SetTimer(new Timer(TimerKind.RETRY, s.name(), s.attempt), wait));
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
          out.add(new Cancel(s.name(), timer.attempt()));
          attemptFailed(
              new AttemptFailed(
                  s.name(),
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
        if (halted && !s.isHook()) {
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
            out.add(new CloseLog(s.name()));
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
        out.add(new Cancel(s.name(), s.attempt));
      } else if (s.retryScheduled) {
        s.retryScheduled = false;
        out.add(new CancelTimer(new Timer(TimerKind.RETRY, s.name(), s.attempt)));
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
      out.add(new CancelTimer(new Timer(TimerKind.TIMEOUT, s.name(), s.attempt)));
    }
    out.add(new CloseLog(s.name()));
  }

  private void stopped(StepState s, int attempt, String reason) {
    release(s);
    move(s, StepStatus.STOPPED);
    save(s, attempt, null, s.startedAt, now, reason);
    out.add(new Emit(new StepStopped(runId, s.name(), reason)));
  }

  private void fail(StepState s, int attempt, String message) {
    release(s);
    move(s, StepStatus.FAILED);
    save(s, attempt, null, s.startedAt, now, message);
    out.add(new Emit(new StepFailed(runId, s.name(), attempt, message, null)));
    if (s.isHook()) {
      return; // reported; the run's outcome stays
    }
    if (firstError == null) {
      firstError = "step '" + s.name() + "' failed: " + message;
      failedStep = s.name();
    }
    if (plan.failFast()) {
      halted = true;
    }
    MapState m = s.instanceOf;
    if (m != null && m.node.status == StepStatus.RUNNING) {
      StepState node = m.node;
      String error = "instance '" + s.name() + "' failed: " + message;
      move(node, StepStatus.FAILED);
      save(node, node.attempt, null, node.startedAt, now, error);
      out.add(new Emit(new StepFailed(runId, node.name(), node.attempt, error, null)));
      if (!plan.failFast()) {
        skipDescendants(node);
      }
    }
    if (!plan.failFast()) {
      skipDescendants(s);
    }
  }

  private void succeeded(StepState s) {
    MapState m = s.instanceOf;
    if (m != null) {
      if (--m.remaining == 0 && m.node.status == StepStatus.RUNNING) {
        mapSucceeded(m);
      }
      return;
    }
    for (StepState c : s.children) {
      if (--c.waitingFor == 0 && c.status == StepStatus.PENDING && !c.isHook()) {
        ready.add(c);
      }
    }
  }

  private void skipDescendants(StepState failed) {
    Deque<StepState> todo = new ArrayDeque<>(failed.children);
    while (!todo.isEmpty()) {
      StepState c = todo.poll();
      if (c.status == StepStatus.PENDING) {
        skip(c, "upstream step '" + failed.name() + "' failed");
        todo.addAll(c.children);
      }
    }
  }

  /**
   * Skips {@code s} for a false condition, and with it every step that needs its outputs (or whose
   * condition it computes); a step that only runs {@code after} it goes on as if it had run.
   */
  private void skipForCondition(StepState s, String reason) {
    skip(s, reason);
    s.conditionFalse = true;
    Deque<StepState> todo = new ArrayDeque<>(List.of(s));
    while (!todo.isEmpty()) {
      StepState skipped = todo.poll();
      for (StepState c : skipped.children) {
        if (c.status != StepStatus.PENDING) {
          continue;
        }
        if (c.dataUpstream.contains(skipped.name())) {
          skip(c, CONDITION_FALSE + ": upstream step '" + skipped.name() + "' was skipped");
          c.conditionFalse = true;
          todo.add(c);
        } else if (--c.waitingFor == 0 && !c.isHook()) {
          ready.add(c);
        }
      }
    }
  }

  private void skip(StepState s, String reason) {
    move(s, StepStatus.SKIPPED);
    save(s, s.firstAttempt - 1, null, null, null, reason);
    out.add(new Emit(new StepSkipped(runId, s.name(), reason)));
  }

  private void finish(RunStatus status) {
    Transitions.checkRun(runStatus, status);
    runStatus = status;
    String error =
        status == RunStatus.SUCCEEDED
            ? null
            : status == RunStatus.STOPPED ? "stopped by the user" : firstError;
    finished = true;
    out.add(new CancelTimer(new Timer(TimerKind.STOP_GRACE, null, 0)));
    out.add(new SaveRun(status, now, error));
    out.add(new Emit(new RunFinished(runId, status, error, Duration.between(start, now))));
    out.add(new Finish(status, error));
  }

  /** What the hooks receive: the outcome and every step (hooks left out) as it ended. */
  private RunSummary summary(RunStatus status) {
    List<RunSummary.Step> steps = new ArrayList<>();
    for (StepState s : states.values()) {
      if (s.isHook()) {
        continue;
      }
      StepRecord r = s.last;
      Duration took =
          r != null && r.startedAt() != null && r.endedAt() != null
              ? Duration.between(r.startedAt(), r.endedAt())
              : null;
      steps.add(
          new RunSummary.Step(
              s.name(),
              s.status,
              r == null ? s.firstAttempt - 1 : r.attempt(),
              took,
              r == null ? null : r.error()));
    }
    return new RunSummary(
        runId,
        plan.pipeline(),
        status,
        status == RunStatus.FAILED ? failedStep : null,
        status == RunStatus.FAILED ? firstError : null,
        Duration.between(start, now),
        steps);
  }

  // ---- helpers

  private void acquire(StepState s) {
    active++;
    if (s.instanceOf != null) {
      s.instanceOf.active++;
    }
  }

  /** The step no longer holds a place: the run's, and its map's (the next instance may start). */
  private void release(StepState s) {
    active--;
    MapState m = s.instanceOf;
    if (m != null) {
      m.active--;
      StepState next = m.blocked.poll();
      if (next != null) {
        ready.addFirst(next);
      }
    }
  }

  private boolean isCurrent(StepState s, int attempt) {
    return s.running && s.attempt == attempt;
  }

  private void move(StepState s, StepStatus to) {
    Transitions.checkStep(s.name(), s.status, to);
    s.status = to;
  }

  private void save(
      StepState s,
      int attempt,
      String cachedFrom,
      Instant startedAt,
      Instant endedAt,
      String error) {
    StepRecord r =
        new StepRecord(
            runId,
            s.name(),
            s.status,
            attempt,
            s.cacheKey,
            cachedFrom,
            startedAt,
            endedAt,
            error,
            s.userFailures,
            s.infraFailures);
    s.last = r;
    out.add(new SaveStep(r));
  }

  private StepState state(String step) {
    StepState s = states.get(step);
    if (s == null) {
      throw new IllegalArgumentException("no step '" + step + "' in run " + runId);
    }
    return s;
  }

  /**
   * Lineage of the inputs: input name (or {@code name.component}, {@code name[i]}) to artifact id.
   */
  private Map<String, String> inputArtifacts(StepState s) {
    Map<String, String> ids = new LinkedHashMap<>();
    for (PlanInput in : s.step.inputs()) {
      Map<String, ArtifactRecord> artifacts = artifactsOf(in);
      artifacts.forEach((name, a) -> ids.put(name, a.id()));
    }
    return ids;
  }

  /** For each input that is not a parameter, the content hashes it reads, in order. */
  private Map<String, List<String>> inputContent(StepState s) {
    Map<String, List<String>> content = new HashMap<>();
    for (PlanInput in : s.step.inputs()) {
      if (in.isParameter()) {
        continue;
      }
      List<String> hashes = new ArrayList<>();
      if (in.isFanIn()) {
        hashes.add("all:" + in.sources().size());
        for (int i = 0; i < in.sources().size(); i++) {
          PlanSource src = in.sources().get(i);
          hashes.add("#" + i);
          hashes.addAll(hashes(collect(in.name(), src.step(), src.output())));
        }
      } else if (in.runSummary()) {
        hashes.add(summary.contentHash());
      } else {
        Map<String, ArtifactRecord> read = collect(in.name(), in.step(), in.output());
        if (isList(in.step(), in.output())) {
          hashes.add("list:" + read.size()); // an empty list has a key too
        }
        hashes.addAll(hashes(read));
      }
      content.put(in.name(), hashes);
    }
    return content;
  }

  private Map<String, ArtifactRecord> artifactsOf(PlanInput in) {
    Map<String, ArtifactRecord> read = new LinkedHashMap<>();
    if (in.runSummary()) {
      read.put(in.name(), summary);
    } else if (in.isFanIn()) {
      for (int i = 0; i < in.sources().size(); i++) {
        PlanSource src = in.sources().get(i);
        read.putAll(collect(PlanStep.elementName(in.name(), i), src.step(), src.output()));
      }
    } else if (!in.isParameter()) {
      read.putAll(collect(in.name(), in.step(), in.output()));
    }
    return read;
  }

  private boolean isList(String step, String output) {
    return output == null && states.get(step).step.map() != null;
  }

  /**
   * The artifacts that one output reference reads, named for lineage from {@code prefix}: one
   * artifact, a record's components ({@code prefix.component}) or a map's elements ({@code
   * prefix[i]}).
   */
  private Map<String, ArtifactRecord> collect(String prefix, String step, String output) {
    StepState up = states.get(step);
    Map<String, ArtifactRecord> read = new LinkedHashMap<>();
    if (isList(step, output)) {
      String name =
          up.step.outputs().isEmpty() ? PlanOutputs.DEFAULT : up.step.outputs().get(0).name();
      for (int i = 0; up.outputs.containsKey(PlanStep.elementName(name, i)); i++) {
        read.put(PlanStep.elementName(prefix, i), up.outputs.get(PlanStep.elementName(name, i)));
      }
    } else if (output != null) {
      read.put(prefix, up.outputs.get(output));
    } else if (!up.step.recordOutput()) {
      read.put(prefix, up.outputs.get(PlanOutputs.DEFAULT));
    } else {
      for (PlanOutput o : up.step.outputs()) {
        read.put(prefix + "." + o.name(), up.outputs.get(o.name()));
      }
    }
    return read;
  }

  private static List<String> hashes(Map<String, ArtifactRecord> artifacts) {
    return artifacts.values().stream().map(ArtifactRecord::contentHash).toList();
  }

  private static String describe(PlanSource c) {
    return "'" + c.step() + (c.output().equals(PlanOutputs.DEFAULT) ? "" : "." + c.output()) + "'";
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
