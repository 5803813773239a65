package dev.skiff.core.engine;

import dev.skiff.core.plan.PlanOutput;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.LaunchedStep;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.RunOwnedException;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepFailedException;
import dev.skiff.core.spi.StepLaunch;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.core.spi.StepLogSink;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Drives one run: feeds a {@link RunState} the events of the world (attempts ending, timers, cache
 * lookups, a stop) and carries out the actions it decides — persisting, launching, cancelling,
 * running timers, publishing logs. All state lives on the thread that calls {@link #run}; launcher
 * callbacks and timers post events to it. One scheduler runs one run at a time.
 */
public final class DagScheduler {
  /** How often the driver looks for a stop requested from another process ({@code runs stop}). */
  static final Duration STOP_POLL = Duration.ofSeconds(1);

  /** The variable that sets {@link #LEASE}, in seconds ({@code SKIFF_RUN_LEASE=10}). */
  public static final String LEASE_ENV = "SKIFF_RUN_LEASE";

  /**
   * How long a run stays owned by an orchestrator that stopped heart-beating: 60 s, or {@value
   * #LEASE_ENV} seconds (at least 3) where that variable is set, as in tests of lost runs.
   */
  public static final Duration LEASE = leaseFrom(System.getenv(LEASE_ENV));

  static Duration leaseFrom(String seconds) {
    if (seconds == null || seconds.isBlank()) {
      return Duration.ofSeconds(60);
    }
    try {
      return Duration.ofSeconds(Math.max(3, Long.parseLong(seconds.strip())));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          LEASE_ENV
              + "="
              + seconds
              + " is not a number of seconds: set it to e.g. 60, or unset it");
    }
  }

  private final MetadataStore store;
  private final StepLauncher launcher;
  private final RunListener listener;
  private final ArtifactStore artifacts;
  private final Clock clock;
  private final String owner;
  private final Duration lease;
  private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
  private volatile String stopReason;
  private volatile Materializers materializers;

  /**
   * @param artifacts the run's artifact store: step logs are saved there ({@code
   *     runs/<run>/logs/<step>.log}) and cache hits are limited to it
   */
  public DagScheduler(
      MetadataStore store, StepLauncher launcher, RunListener listener, ArtifactStore artifacts) {
    this(store, launcher, listener, artifacts, thisProcess());
  }

  /**
   * @param owner who runs the run, for its lease: an orchestrator that restarts under the same name
   *     (e.g. the pod of the same Job) takes its own lease back at once
   */
  public DagScheduler(
      MetadataStore store,
      StepLauncher launcher,
      RunListener listener,
      ArtifactStore artifacts,
      String owner) {
    this(store, launcher, listener, artifacts, owner, LEASE, Clock.systemUTC());
  }

  DagScheduler(
      MetadataStore store,
      StepLauncher launcher,
      RunListener listener,
      ArtifactStore artifacts,
      String owner,
      Duration lease,
      Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.artifacts = Objects.requireNonNull(artifacts, "artifacts");
    this.owner = Objects.requireNonNull(owner, "owner");
    this.lease = lease;
    this.clock = clock;
  }

  /**
   * The materializers the driver reads conditions and writes run summaries with (those of the
   * runtime; by default the ones on Skiff's own class path). Returns this scheduler.
   */
  public DagScheduler withMaterializers(Materializers materializers) {
    this.materializers = Objects.requireNonNull(materializers, "materializers");
    return this;
  }

  private StepExecutor values() {
    Materializers m = materializers;
    if (m == null) {
      m = Materializers.load(DagScheduler.class.getClassLoader());
      materializers = m;
    }
    return new StepExecutor(store, artifacts, m, DagScheduler.class.getClassLoader());
  }

  /** {@code HOST:PID}: the owner name of runs driven by this JVM. */
  public static String thisProcess() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "localhost";
    }
    return host + ":" + ProcessHandle.current().pid();
  }

  /**
   * Runs, resumes or continues {@code runId}, whose run record must exist, and blocks until it
   * ends. Steps that already have outputs in this run are not run again. A run record that is still
   * {@code RUNNING} (or {@code STOPPING}) is a run whose orchestrator restarted: attempts in flight
   * are adopted and retry budgets kept.
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
      return new Driver(plan, runId, timers).run();
    } finally {
      timers.shutdownNow();
    }
  }

  /** Asks the running run to stop: no new step starts, running ones are cancelled. */
  public void stop() {
    stopReason = "stopped by the user";
    events.add(() -> {});
  }

  private final class Driver {
    final RunPlan plan;
    final String runId;
    final ScheduledExecutorService timers;
    final RunState state;
    final Map<String, LaunchedStep> running = new HashMap<>();
    final Map<RunState.Timer, ScheduledFuture<?>> timerFutures = new HashMap<>();

    /**
     * Step logs being written; closed (published) when their attempt ends and when the run ends.
     */
    final Map<String, RunLogs> openLogs = new HashMap<>();

    final Deque<RunState.Event> now = new ArrayDeque<>();

    /**
     * Attempts that were running when this orchestrator started: launching them again adopts them.
     */
    final Map<String, Integer> inFlight = new HashMap<>();

    /** Tokens written with a step's RUNNING row, for the launch that follows in the same batch. */
    final Map<String, String> tokens = new HashMap<>();

    /** The run's row as read at the start, until this driver changes it. */
    RunRecord stored;

    boolean stopFed;
    boolean fenced;
    RunStatus result;

    Driver(RunPlan plan, String runId, ScheduledExecutorService timers) {
      this.plan = plan;
      this.runId = runId;
      this.timers = timers;
      this.state = new RunState(plan, runId, artifacts.uri(), launcher.maxParallelism());
    }

    RunStatus run() {
      RunRecord record =
          store
              .findRun(runId)
              .orElseThrow(
                  () -> new IllegalArgumentException("no run " + runId + " in the metadata store"));
      boolean restart =
          record.status() == RunStatus.RUNNING || record.status() == RunStatus.STOPPING;
      stored = record;
      if (!store.acquireLease(runId, owner, clock.instant(), lease)) {
        throw new RunOwnedException(runId, store.findLease(runId).orElse(null));
      }
      List<StepRecord> previous = store.listSteps(runId);
      for (StepRecord p : previous) {
        if (p.status() == dev.skiff.sdk.StepStatus.RUNNING && p.endedAt() == null) {
          inFlight.put(p.name(), p.attempt());
        }
      }
      perform(state.start(previous, keptOutputs(previous), restart, clock.instant()));
      if (record.status() == RunStatus.STOPPING) {
        stopReason = "stopped by the user";
      }
      ScheduledFuture<?> stopPoll =
          timers.scheduleWithFixedDelay(
              this::checkStopRequestedElsewhere,
              STOP_POLL.toMillis(),
              STOP_POLL.toMillis(),
              TimeUnit.MILLISECONDS);
      long beat = Math.max(1, lease.toMillis() / 3);
      ScheduledFuture<?> heartbeat =
          timers.scheduleWithFixedDelay(
              () -> events.add(this::heartbeat), beat, beat, TimeUnit.MILLISECONDS);
      try {
        while (result == null) {
          if (stopReason != null && !stopFed) {
            stopFed = true;
            feed(new RunState.StopRequested(stopReason));
            continue;
          }
          try {
            events.take().run();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopReason = "stopped: interrupted";
          }
        }
      } finally {
        stopPoll.cancel(false);
        heartbeat.cancel(false);
        openLogs.values().forEach(RunLogs::close);
        if (!fenced) {
          store.releaseLease(runId, owner);
        }
      }
      return result;
    }

    /**
     * Renews the lease. Losing it means another orchestrator took the run over after this one
     * stopped heart-beating for a whole lease: this one must stop at once and write nothing more.
     */
    void heartbeat() {
      if (result != null || store.acquireLease(runId, owner, clock.instant(), lease)) {
        return;
      }
      fenced = true;
      running.values().forEach(LaunchedStep::cancel);
      running.clear();
      listener.onEvent(
          new RunEvent.OrchestratorLine(
              runId,
              "lost the lease of run " + runId + " to another orchestrator: this one stops"));
      result = store.runStatus(runId).orElse(RunStatus.FAILED);
    }

    /**
     * Outputs of earlier attempts that can still feed later steps. A kept output that is gone from
     * the store (deleted, lifecycle rule) or known corrupt cannot: its step runs again instead of
     * failing its readers forever.
     */
    Map<String, Map<String, ArtifactRecord>> keptOutputs(List<StepRecord> previous) {
      Map<String, Map<String, ArtifactRecord>> kept = new HashMap<>();
      for (StepRecord p : previous) {
        PlanStep step = planStep(p.name());
        if (step == null || !p.status().hasOutputs()) {
          continue;
        }
        Map<String, ArtifactRecord> outs = RunState.dataOutputs(store.stepOutputs(runId, p.name()));
        // a map's result is its instances' outputs, element by element: no output is required
        List<String> required =
            step.map() != null ? List.of() : step.outputs().stream().map(PlanOutput::name).toList();
        if (outs.keySet().containsAll(required) && notCorrupt(outs) && present(outs)) {
          kept.put(p.name(), outs);
        }
      }
      return kept;
    }

    /** The plan's step of this name, map instances included; null for a step it does not have. */
    PlanStep planStep(String name) {
      try {
        return plan.step(name);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }

    /** Reads a condition: the boolean its artifact holds. */
    RunState.ConditionRead readCondition(ArtifactRecord a) {
      try {
        Object value = values().readValue(a, Boolean.class);
        if (!(value instanceof Boolean b)) {
          return new RunState.ConditionRead(a.id(), null, "it holds no boolean: " + value);
        }
        return new RunState.ConditionRead(a.id(), b, null);
      } catch (RuntimeException e) {
        return new RunState.ConditionRead(a.id(), null, String.valueOf(e.getMessage()));
      }
    }

    /** Stores the run summary and links it as the summary input of each hook to run. */
    RunState.SummaryWritten writeSummary(RunState.WriteSummary w) {
      try {
        ArtifactRecord a =
            values().writeValue(runId, "summary", dev.skiff.sdk.RunSummary.class, w.summary());
        w.hooks()
            .forEach(
                (hook, input) -> store.linkArtifacts(runId, hook, Map.of(), Map.of(input, a.id())));
        return new RunState.SummaryWritten(a, null);
      } catch (RuntimeException e) {
        return new RunState.SummaryWritten(null, String.valueOf(e.getMessage()));
      }
    }

    /**
     * On the timer's thread, so the scheduler's never waits for the poll; only a stop found there
     * reaches it as an event.
     */
    void checkStopRequestedElsewhere() {
      try {
        if (stopReason == null && store.runStatus(runId).orElse(null) == RunStatus.STOPPING) {
          events.add(
              () -> {
                if (stopReason == null) {
                  stopReason = "stopped by the user";
                }
              });
        }
      } catch (RuntimeException e) {
        // the store did not answer this time; the next poll asks again
      }
    }

    /** Applies an event and everything it leads to, in order. */
    void feed(RunState.Event event) {
      if (fenced) {
        return;
      }
      perform(state.on(event, clock.instant()));
    }

    void perform(List<RunState.Action> actions) {
      java.util.Set<String> launching = new java.util.HashSet<>();
      for (RunState.Action action : actions) {
        if (action instanceof RunState.Launch l) {
          launching.add(l.step().name() + "#" + l.attempt());
        }
      }
      for (RunState.Action action : actions) {
        if (action instanceof RunState.CheckCache c) {
          now.add(new RunState.CacheChecked(c.step().name(), cacheHit(c.cacheKey()).orElse(null)));
        } else if (action instanceof RunState.Launch l) {
          launch(l);
        } else if (action instanceof RunState.Cancel c) {
          LaunchedStep step = running.remove(c.step());
          if (step != null) {
            // An attempt that ignores the cancel (a thread deaf to interrupts, a pod slow to
            // die) must not publish outputs afterwards: no attempt holds the new token.
            if (!fenced) {
              store.setAttemptToken(runId, c.step(), "revoked-" + java.util.UUID.randomUUID());
            }
            step.cancel();
          }
        } else if (action instanceof RunState.SaveStep s) {
          StepRecord r = s.record();
          if (r.status() == StepStatus.RUNNING
              && launching.contains(r.name() + "#" + r.attempt())) {
            startAttempt(r);
          } else {
            store.saveStep(r);
          }
        } else if (action instanceof RunState.LinkOutputs l) {
          store.linkArtifacts(runId, l.step(), l.outputIds(), l.inputIds());
        } else if (action instanceof RunState.SaveRun r) {
          // The run's row holds its plan (hundreds of KB for a big DAG): an update that would
          // change nothing still rewrites it, e.g. RUNNING at the start of a run created RUNNING.
          boolean unchanged =
              stored != null
                  && stored.status() == r.status()
                  && stored.endedAt() == null
                  && r.endedAt() == null
                  && java.util.Objects.equals(stored.error(), r.error());
          if (!unchanged) {
            store.updateRun(runId, r.status(), r.endedAt(), r.error());
            stored = null; // no longer known without a read; later saves are written
          }
        } else if (action instanceof RunState.Emit e) {
          listener.onEvent(e.event());
        } else if (action instanceof RunState.SetTimer t) {
          setTimer(t.timer(), t.delay());
        } else if (action instanceof RunState.CancelTimer t) {
          ScheduledFuture<?> f = timerFutures.remove(t.timer());
          if (f != null) {
            f.cancel(false);
          }
        } else if (action instanceof RunState.CloseLog c) {
          RunLogs log = openLogs.get(c.step());
          if (log != null) {
            log.close(); // publish the attempt's log now; late lines are still saved
          }
        } else if (action instanceof RunState.ReadCondition r) {
          now.add(readCondition(r.artifact()));
        } else if (action instanceof RunState.WriteSummary w) {
          now.add(writeSummary(w));
        } else if (action instanceof RunState.Finish f) {
          result = f.status();
        }
      }
      while (!now.isEmpty()) {
        feed(now.poll());
      }
    }

    void setTimer(RunState.Timer timer, Duration delay) {
      ScheduledFuture<?> earlier =
          timerFutures.put(
              timer,
              timers.schedule(
                  () ->
                      events.add(
                          () -> {
                            timerFutures.remove(timer);
                            feed(new RunState.TimerFired(timer));
                          }),
                  delay.toMillis(),
                  TimeUnit.MILLISECONDS));
      if (earlier != null) {
        earlier.cancel(false);
      }
    }

    void launch(RunState.Launch l) {
      String step = l.step().name();
      int attempt = l.attempt();
      StepLogSink log = logSink(step, attempt);
      LaunchedStep launched;
      try {
        String token = tokens.remove(step);
        launched =
            launcher.launch(
                new StepLaunch(
                    plan,
                    runId,
                    l.step(),
                    attempt,
                    log,
                    token != null ? token : token(step, attempt)));
      } catch (RuntimeException e) {
        StepFailedException f = StepFailedException.of(e);
        now.add(new RunState.AttemptFailed(step, attempt, f.kind(), f.getMessage()));
        return;
      }
      running.put(step, launched);
      launched
          .result()
          .whenComplete(
              (outs, err) ->
                  events.add(
                      () -> {
                        if (running.get(step) == launched) {
                          running.remove(step);
                        }
                        if (err == null) {
                          feed(new RunState.AttemptSucceeded(step, attempt, outs));
                        } else {
                          StepFailedException f = StepFailedException.of(err);
                          feed(new RunState.AttemptFailed(step, attempt, f.kind(), f.getMessage()));
                        }
                      }));
    }

    /**
     * Saves the step as it starts an attempt, with the attempt's token in the same write; the
     * launch that follows in the same batch takes the token from {@link #tokens}.
     */
    void startAttempt(StepRecord running) {
      Integer adopted = inFlight.get(running.name());
      if (adopted != null && adopted == running.attempt()) {
        store.saveStep(running); // the adopted attempt keeps the token its pod holds
        return;
      }
      inFlight.remove(running.name());
      String token = java.util.UUID.randomUUID().toString();
      store.startAttempt(running, token);
      tokens.put(running.name(), token);
    }

    /**
     * The token of this attempt, made current in the store: the adopted attempt's own (its pod
     * holds it), else a new one that shuts out every earlier attempt of the step.
     */
    String token(String step, int attempt) {
      Integer adopted = inFlight.remove(step);
      if (adopted != null && adopted == attempt) {
        java.util.Optional<String> own = store.attemptToken(runId, step);
        if (own.isPresent()) {
          return own.get();
        }
      }
      String token = java.util.UUID.randomUUID().toString();
      store.setAttemptToken(runId, step, token);
      return token;
    }

    /** An earlier execution with this key whose outputs are all still in the store. */
    java.util.Optional<RunState.CacheHit> cacheHit(String cacheKey) {
      return store
          .findCacheHit(cacheKey)
          .filter(hit -> present(RunState.dataOutputs(hit.outputs())))
          .map(hit -> new RunState.CacheHit(hit.outputs(), hit.runId()));
    }

    /**
     * Whether no artifact is known corrupt. Cache hits need not ask: the store's lookup already
     * skips executions with a corrupt output; outputs kept for a resume do.
     */
    boolean notCorrupt(Map<String, ArtifactRecord> outputs) {
      return outputs.values().stream().noneMatch(a -> store.isArtifactCorrupt(a.id()));
    }

    /**
     * Whether every artifact is still in the artifact store; one that is missing is marked corrupt,
     * so later lookups skip its execution without asking the store.
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
        listener.onEvent(new RunEvent.StepLogLine(runId, step, line));
        logs.append(line);
      };
    }
  }
}
