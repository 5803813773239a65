package dev.skiff.kubernetes.internal;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Entry point of Skiff images: {@code orchestrator --run RUN} drives a run from inside the cluster;
 * {@code step --run RUN --step STEP --attempt N} runs one step, a map instance named as in the plan
 * ({@code --step 'train[3]'}, found by {@link dev.skiff.core.plan.RunPlan#step}). Exit code 0 on
 * success.
 */
public final class PodMain {
  private PodMain() {}

  public static void main(String[] args) {
    writeUtf8();
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

  /**
   * Makes the pod's output UTF-8, as its log is read: an image without a UTF-8 locale (no {@code
   * LANG}, the case of Skiff's base images) would otherwise print {@code ?} for every other
   * character, in the orchestrator's events ({@code train[0] … train[3]}) and in what steps print.
   */
  static void writeUtf8() {
    System.setOut(utf8(FileDescriptor.out));
    System.setErr(utf8(FileDescriptor.err));
  }

  private static PrintStream utf8(FileDescriptor fd) {
    return new PrintStream(
        new BufferedOutputStream(new FileOutputStream(fd)), true, StandardCharsets.UTF_8);
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
