package dev.skiff.local.internal;

import dev.skiff.core.ArtifactStore;

import dev.skiff.core.Materializers;
import dev.skiff.core.MetadataStore;
import dev.skiff.core.RunPlan;
import dev.skiff.core.RunRecord;
import dev.skiff.core.StepExecutor;
import dev.skiff.core.StepLogSink;
import dev.skiff.core.StoreAccess;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Main class of a step subprocess: {@code StepProcessMain RUN STEP ATTEMPT}, with the store
 * addresses in the environment (not in arguments, which other users of the machine can see).
 * Exits 0 on success; on failure prints one marker line with the reason and exits 1.
 */
public final class StepProcessMain {
  public static final String FAILURE_MARKER = "@@skiff-step-failed@@ ";

  private StepProcessMain() {}

  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (args.length != 3) {
      out.println(FAILURE_MARKER + "usage: StepProcessMain RUN STEP ATTEMPT");
      System.exit(2);
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    StoreAccess stores = StoreAccess.fromEnvironment(System.getenv());
    try (MetadataStore store = stores.openMetadataStore(loader)) {
      ArtifactStore artifacts = stores.openArtifactStore(loader);
      RunRecord run = store.findRun(args[0]).orElseThrow(() -> new IllegalStateException("run " + args[0] + " not found in the metadata store"));
      RunPlan plan = RunPlan.fromJson(run.planJson());
      StepLogSink log = out::println;
      new StepExecutor(store, artifacts, Materializers.load(loader), loader)
          .execute(plan, run.id(), plan.step(args[1]), Integer.parseInt(args[2]), log);
      out.flush();
      System.exit(0);
    } catch (Throwable t) {
      String m = t.getMessage();
      out.println(FAILURE_MARKER + (t instanceof dev.skiff.core.StepFailedException || t instanceof IllegalStateException ? m : t.getClass().getSimpleName() + (m == null ? "" : ": " + m)));
      out.flush();
      System.exit(1);
    }
  }
}
