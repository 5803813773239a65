package dev.skiff.kubernetes.internal;

import dev.skiff.core.engine.StepExecutor;
import dev.skiff.core.internal.StartupTrace;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StepFailedException;

/**
 * Runs one step in its pod: reads the plan by run id, loads the inputs, runs the step, writes
 * outputs and metadata. What the step prints is the pod's log.
 */
public final class StepMain {
  private StepMain() {}

  public static int run(String[] args) {
    StartupTrace.mark("main");
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try {
      String runId = PodMain.option(args, "run");
      String step = PodMain.option(args, "step");
      int attempt = Integer.parseInt(PodMain.option(args, "attempt"));
      PodEnvironment env = PodEnvironment.fromEnv();
      try (MetadataStore store = env.openStore(loader)) {
        ArtifactStore artifacts = env.openArtifacts(loader);
        StartupTrace.mark("stores-opened");
        RunPlan plan = PodEnvironment.plan(store, runId);
        StartupTrace.mark("plan-read");
        String token =
            java.util.Arrays.asList(args).contains("--token")
                ? PodMain.option(args, "token")
                : null;
        new StepExecutor(store, artifacts, Materializers.load(loader), loader)
            .execute(plan, runId, plan.step(step), attempt, System.out::println, token);
        StartupTrace.mark("step-recorded");
      }
      System.out.flush();
      return 0;
    } catch (RuntimeException | Error e) {
      StepFailedException failure = StepFailedException.ofLogged(e, System.out);
      System.out.println("step failed: " + failure.getMessage());
      System.out.flush();
      writeTerminationMessage(failure.report());
      return 1;
    }
  }

  /**
   * Where the kubelet reads a container's termination message (the default terminationMessagePath).
   */
  static final java.nio.file.Path TERMINATION_LOG = java.nio.file.Path.of("/dev/termination-log");

  /**
   * Hands the failure, kind and message, to the orchestrator through the pod's status. The kubelet
   * creates the file; where there is none (a process outside a container, unless told a file in
   * {@code SKIFF_TERMINATION_LOG}) nothing is written.
   */
  private static void writeTerminationMessage(String report) {
    java.nio.file.Path path =
        java.nio.file.Path.of(
            System.getenv().getOrDefault("SKIFF_TERMINATION_LOG", TERMINATION_LOG.toString()));
    if (!java.nio.file.Files.isRegularFile(path)) {
      return;
    }
    try {
      java.nio.file.Files.writeString(path, report);
    } catch (java.io.IOException | RuntimeException e) {
      System.out.println(
          "could not write the termination message to " + path + ": " + e.getMessage());
    }
  }
}
