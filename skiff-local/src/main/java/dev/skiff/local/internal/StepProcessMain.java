package dev.skiff.local.internal;

import dev.skiff.core.engine.StepExecutor;
import dev.skiff.core.internal.StartupTrace;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepLogSink;
import dev.skiff.core.spi.StoreAccess;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Main class of a step subprocess: {@code StepProcessMain RUN STEP ATTEMPT}, with the store
 * addresses in the environment (not in arguments, which other users of the machine can see). Exits
 * 0 on success; on failure prints one marker line with the reason and exits 1.
 */
public final class StepProcessMain {
  public static final String FAILURE_MARKER = "@@skiff-step-failed@@ ";

  private StepProcessMain() {}

  public static void main(String[] args) {
    StartupTrace.mark("main");
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (args.length != 3 && args.length != 4) {
      out.println(FAILURE_MARKER + "usage: StepProcessMain RUN STEP ATTEMPT [TOKEN]");
      System.exit(2);
    }
    dieWithParent();
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    StoreAccess stores = StoreAccess.fromEnvironment(System.getenv());
    try (MetadataStore store = stores.openMetadataStore(loader)) {
      ArtifactStore artifacts = stores.openArtifactStore(loader);
      StartupTrace.mark("stores-opened");
      RunRecord run =
          store
              .findRun(args[0])
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "run " + args[0] + " not found in the metadata store"));
      RunPlan plan = RunPlan.fromJson(run.planJson());
      StartupTrace.mark("plan-read");
      StepLogSink log = out::println;
      new StepExecutor(store, artifacts, Materializers.load(loader), loader)
          .execute(
              plan,
              run.id(),
              plan.step(args[1]),
              Integer.parseInt(args[2]),
              log,
              args.length == 4 ? args[3] : null);
      StartupTrace.mark("step-recorded");
      out.flush();
      System.exit(0);
    } catch (Throwable t) {
      dev.skiff.core.spi.StepFailedException failure =
          dev.skiff.core.spi.StepFailedException.ofLogged(t, out);
      out.println(FAILURE_MARKER + failure.report());
      out.flush();
      System.exit(1);
    }
  }

  /**
   * A step process lives only as long as the orchestrator that started it: when that JVM dies (even
   * by {@code kill -9}), nothing is left to record this attempt, and a resume will start a new one,
   * so this one ends at once instead of computing into the void.
   */
  private static void dieWithParent() {
    ProcessHandle.current()
        .parent()
        .ifPresent(
            parent ->
                parent
                    .onExit()
                    .thenRun(
                        () -> {
                          System.err.println(
                              "the orchestrator of this step (pid "
                                  + parent.pid()
                                  + ") ended: stopping");
                          Runtime.getRuntime().halt(143);
                        }));
  }
}
