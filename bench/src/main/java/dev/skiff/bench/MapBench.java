package dev.skiff.bench;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.local.LocalOrchestrator;
import dev.skiff.local.LocalOrchestratorConfig;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.store.MetadataStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A map over a list known only at run time, on the in-process launcher with real stores (SQLite,
 * local artifacts): one step makes 1000 elements (each stored as its own artifact), the map runs
 * one instance per element. What a user pays per map element on top of their own code.
 *
 * <p>Run: {@code ./mvnw -q -pl bench -am package -DskipTests && java -cp
 * "bench/target/skiff-bench.jar:bench/target/lib/*" dev.skiff.bench.MapBench [N]} (default 1000).
 */
public final class MapBench {
  private static final int ROUNDS = 5;

  private MapBench() {}

  static List<Integer> items(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  /** An instance that does nothing and has no output. */
  static Void noop(int x) {
    return null;
  }

  /** An instance that returns its element: one output per instance, collected in order. */
  static int identity(int x) {
    return x;
  }

  static int count(List<Integer> xs) {
    return xs.size();
  }

  /** items → map of no-op instances. */
  public static final class NoopMap implements PipelineDefinition {
    private final int n;

    public NoopMap() {
      this(1000);
    }

    NoopMap(int n) {
      this.n = n;
    }

    @Override
    public String name() {
      return "bench_map_noop";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<List<Integer>> items = p.step("items", MapBench::items, Param.of(n));
      p.map("noop", MapBench::noop, items);
    }
  }

  /** items → map of identity instances → one step reading the whole result. */
  public static final class CollectedMap implements PipelineDefinition {
    private final int n;

    public CollectedMap() {
      this(1000);
    }

    CollectedMap(int n) {
      this.n = n;
    }

    @Override
    public String name() {
      return "bench_map_collect";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<List<Integer>> items = p.step("items", MapBench::items, Param.of(n));
      p.step("count", MapBench::count, p.map("identity", MapBench::identity, items));
    }
  }

  public static void main(String[] args) throws IOException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Path dir = Files.createTempDirectory("skiff-map-bench");
    Materializers materializers = Materializers.load(MapBench.class.getClassLoader());
    PlanCompiler compiler = new PlanCompiler(materializers);
    try (MetadataStore store = MetadataStores.sqlite(dir.resolve("skiff.db"))) {
      LocalOrchestrator orchestrator =
          new LocalOrchestrator(
              store,
              new LocalArtifactStore(dir.resolve("artifacts")),
              LocalOrchestratorConfig.DEFAULTS,
              materializers,
              MapBench.class.getClassLoader(),
              null);
      PipelineSettings noCache = PipelineSettings.newBuilder().enableCache(false).build();
      RunPlan noop = compiler.compile(new NoopMap(n), noCache);
      RunPlan collected = compiler.compile(new CollectedMap(n), noCache);
      RunPlan cached = compiler.compile(new CollectedMap(n), PipelineSettings.DEFAULTS);
      for (int i = 0; i < 2; i++) { // warm-up: JIT, the database's caches
        SchedulerBench.run(orchestrator, noop);
        SchedulerBench.run(orchestrator, collected);
      }
      SchedulerBench.run(orchestrator, cached);
      double[] noopMs = new double[ROUNDS];
      double[] collectedMs = new double[ROUNDS];
      double[] cachedMs = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        noopMs[r] = SchedulerBench.run(orchestrator, noop);
        collectedMs[r] = SchedulerBench.run(orchestrator, collected);
        cachedMs[r] = SchedulerBench.run(orchestrator, cached);
      }
      System.out.println("map over " + n + " elements, in-process, SQLite (" + dir + ")");
      System.out.printf(
          "  no-op instances, no cache:          median %.0f ms, min %.0f ms (target < 3000 ms)%n",
          SchedulerBench.median(noopMs), SchedulerBench.min(noopMs));
      System.out.printf(
          "  identity instances + reader:        median %.0f ms, min %.0f ms%n",
          SchedulerBench.median(collectedMs), SchedulerBench.min(collectedMs));
      System.out.printf(
          "  identity instances, all cached:     median %.0f ms, min %.0f ms%n",
          SchedulerBench.median(cachedMs), SchedulerBench.min(cachedMs));
      System.out.printf(
          "  per element (no-op):                %.2f ms%n",
          SchedulerBench.median(noopMs) / Math.max(1, n));
      System.out.printf(
          "  ratio no-op time / target:          %.2f%n", SchedulerBench.median(noopMs) / 3000.0);
    }
  }
}
