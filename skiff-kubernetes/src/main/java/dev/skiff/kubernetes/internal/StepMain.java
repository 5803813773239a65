package dev.skiff.kubernetes.internal;

import dev.skiff.core.ArtifactStore;
import dev.skiff.core.Materializers;
import dev.skiff.core.MetadataStore;
import dev.skiff.core.RunPlan;
import dev.skiff.core.StepExecutor;
import dev.skiff.core.StepFailedException;
import dev.skiff.kubernetes.PodMain;

/**
 * Runs one step in its pod: reads the plan by run id, loads the inputs, runs the step, writes
 * outputs and metadata. What the step prints is the pod's log.
 */
public final class StepMain {
  private StepMain() {}

  public static int run(String[] args) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try {
      String runId = PodMain.option(args, "run");
      String step = PodMain.option(args, "step");
      int attempt = Integer.parseInt(PodMain.option(args, "attempt"));
      PodEnvironment env = PodEnvironment.fromEnv();
      try (MetadataStore store = env.openStore(loader)) {
        ArtifactStore artifacts = env.openArtifacts(loader);
        RunPlan plan = PodEnvironment.plan(store, runId);
        new StepExecutor(store, artifacts, Materializers.load(loader), loader).execute(plan, runId, plan.step(step), attempt, System.out::println);
      }
      System.out.flush();
      return 0;
    } catch (StepFailedException | IllegalStateException | IllegalArgumentException e) {
      System.out.println("step failed: " + e.getMessage());
      return 1;
    } catch (RuntimeException | Error e) {
      System.out.println("step failed: " + e);
      return 1;
    }
  }
}
