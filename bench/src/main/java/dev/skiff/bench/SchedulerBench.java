package dev.skiff.bench;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunListener;
import dev.skiff.local.LocalOrchestrator;
import dev.skiff.local.LocalOrchestratorConfig;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.postgres.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Scheduler overhead with no-op steps on the in-process launcher, with real stores (local
 * artifacts; SQLite metadata, or PostgreSQL from embedded binaries): what a user pays per step on
 * top of their own code.
 *
 * <p>Run: {@code ./mvnw -q -pl bench -am package -DskipTests && java -cp
 * "bench/target/skiff-bench.jar:bench/target/lib/*" dev.skiff.bench.SchedulerBench
 * [--metadata=sqlite|postgres|all] [--synchronous-commit=on|off]} (default: sqlite; PostgreSQL with
 * {@code synchronous_commit=on}, as servers run).
 */
public final class SchedulerBench {
  private static final int ROUNDS = 5;

  private SchedulerBench() {}

  /** A step that does nothing and has no outputs: only scheduling and bookkeeping remain. */
  static Void noop() {
    return null;
  }

  /** {@code n} no-op steps, each after the previous one: measures per-step dispatch. */
  public static final class Chain implements PipelineDefinition {
    final int n;

    public Chain() {
      this(200);
    }

    Chain(int n) {
      this.n = n;
    }

    @Override
    public String name() {
      return "bench_chain";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<Void> prev = null;
      for (int i = 0; i < n; i++) {
        Out<Void> s = p.step(String.format("s%04d", i), SchedulerBench::noop);
        if (prev != null) {
          p.after(s, prev);
        }
        prev = s;
      }
    }
  }

  /** {@code n} no-op steps, each after up to 3 random earlier ones (a wide random DAG). */
  public static final class RandomDag implements PipelineDefinition {
    final int n;

    public RandomDag() {
      this(1000);
    }

    RandomDag(int n) {
      this.n = n;
    }

    @Override
    public String name() {
      return "bench_dag";
    }

    @Override
    public void define(PipelineBuilder p) {
      Random random = new Random(42);
      List<Out<Void>> steps = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Out<Void> s = p.step(String.format("s%04d", i), SchedulerBench::noop);
        for (int k = 0; k < 3 && i > 0; k++) {
          if (random.nextInt(4) > 0) {
            p.after(s, steps.get(Math.max(0, i - 1 - random.nextInt(Math.min(i, 50)))));
          }
        }
        steps.add(s);
      }
    }
  }

  public static void main(String[] args) throws IOException {
    String metadata = "sqlite";
    String synchronousCommit = "on";
    for (String arg : args) {
      if (arg.startsWith("--metadata=")) {
        metadata = arg.substring("--metadata=".length());
      } else if (arg.startsWith("--synchronous-commit=")) {
        synchronousCommit = arg.substring("--synchronous-commit=".length());
      } else {
        throw new IllegalArgumentException(
            "unknown argument "
                + arg
                + ": use --metadata=sqlite|postgres|all, --synchronous-commit=on|off");
      }
    }
    Path dir = Files.createTempDirectory("skiff-bench");
    if (metadata.equals("sqlite") || metadata.equals("all")) {
      try (MetadataStore store = MetadataStores.sqlite(dir.resolve("skiff.db"))) {
        bench("SQLite (" + dir.resolve("skiff.db") + ")", store, dir.resolve("artifacts-sqlite"));
      }
    }
    if (metadata.equals("postgres") || metadata.equals("all")) {
      // A real server from embedded binaries on this machine, over TCP to localhost. zonky turns
      // synchronous_commit off; a production server keeps it on (each commit waits for its WAL
      // flush), which is what this measures unless told otherwise.
      long start = System.nanoTime();
      try (PostgresServer server =
          PostgresServer.start(Map.of("synchronous_commit", synchronousCommit))) {
        System.out.printf("PostgreSQL started in %.1f s%n", (System.nanoTime() - start) / 1e9);
        try (MetadataStore store =
            MetadataStores.postgres(server.newDatabase(), server.password())) {
          bench(
              "PostgreSQL 17 (embedded, synchronous_commit=" + synchronousCommit + ")",
              store,
              dir.resolve("artifacts-postgres"));
        }
      }
    }
  }

  /** Runs every measurement on one metadata store and prints the figures under {@code label}. */
  private static void bench(String label, MetadataStore store, Path artifacts) throws IOException {
    Materializers materializers = Materializers.load(SchedulerBench.class.getClassLoader());
    PlanCompiler compiler = new PlanCompiler(materializers);
    PipelineSettings noCache = PipelineSettings.newBuilder().enableCache(false).build();
    LocalOrchestrator orchestrator =
        new LocalOrchestrator(
            store,
            new LocalArtifactStore(artifacts),
            LocalOrchestratorConfig.DEFAULTS,
            materializers,
            SchedulerBench.class.getClassLoader(),
            null);

    long t0 = System.nanoTime();
    RunPlan dag = compiler.compile(new RandomDag(1000), noCache);
    double compileMs = (System.nanoTime() - t0) / 1e6;

    RunPlan chain = compiler.compile(new Chain(200), noCache);
    for (int i = 0; i < 2; i++) { // warm-up: JIT, the database's caches
      run(orchestrator, chain);
      run(orchestrator, dag);
    }
    double[] chainPerStep = new double[ROUNDS];
    double[] dagTotal = new double[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      chainPerStep[r] = run(orchestrator, chain) / 200.0;
      dagTotal[r] = run(orchestrator, dag);
    }
    RunPlan cachedDag = compiler.compile(new RandomDag(1000), PipelineSettings.DEFAULTS);
    run(orchestrator, cachedDag);
    double[] cachedTotal = new double[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      cachedTotal[r] = run(orchestrator, cachedDag);
    }

    System.out.println("metadata: " + label);
    System.out.printf("  compile 1000-step plan:             %8.1f ms%n", compileMs);
    System.out.printf(
        "  per-step overhead (200-step chain): median %.2f ms, min %.2f ms (target <= 2 ms)%n",
        median(chainPerStep), min(chainPerStep));
    System.out.printf(
        "  1000-step random DAG, no cache:     median %.0f ms, min %.0f ms (target < 3000 ms)%n",
        median(dagTotal), min(dagTotal));
    System.out.printf(
        "  1000-step random DAG, all cached:   median %.0f ms, min %.0f ms%n",
        median(cachedTotal), min(cachedTotal));
    System.out.printf("  ratio DAG time / target:            %.2f%n", median(dagTotal) / 3000.0);
  }

  /** Runs {@code plan} and returns its wall time in ms; fails unless the run succeeded. */
  static double run(LocalOrchestrator orchestrator, RunPlan plan) {
    long start = System.nanoTime();
    LocalOrchestrator.Result result = orchestrator.run(plan, RunListener.NONE);
    double ms = (System.nanoTime() - start) / 1e6;
    if (result.status() != RunStatus.SUCCEEDED) {
      throw new IllegalStateException(
          "benchmark run " + result.runId() + " ended " + result.status());
    }
    return ms;
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }

  static double min(double[] xs) {
    return java.util.Arrays.stream(xs).min().orElseThrow();
  }
}
