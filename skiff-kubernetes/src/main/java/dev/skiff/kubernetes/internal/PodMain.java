package dev.skiff.kubernetes.internal;

import java.util.Arrays;

/**
 * Entry point of Skiff images: {@code orchestrator --run RUN} drives a run from inside the cluster;
 * {@code step --run RUN --step STEP --attempt N} runs one step. Exit code 0 on success.
 */
public final class PodMain {
  private PodMain() {}

  public static void main(String[] args) {
    if (args.length == 0) {
      System.err.println("usage: orchestrator --run RUN | step --run RUN --step STEP --attempt N");
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    int code =
        switch (args[0]) {
          case "orchestrator" -> OrchestratorMain.run(rest);
          case "step" -> StepMain.run(rest);
          default -> {
            System.err.println("unknown command '" + args[0] + "': use orchestrator or step");
            yield 2;
          }
        };
    System.exit(code);
  }

  /** The value after {@code --name} in {@code args}. */
  public static String option(String[] args, String name) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--" + name)) {
        return args[i + 1];
      }
    }
    throw new IllegalArgumentException("missing --" + name);
  }
}
