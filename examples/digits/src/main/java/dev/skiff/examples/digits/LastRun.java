package dev.skiff.examples.digits;

import dev.skiff.client.RunView;
import dev.skiff.client.SkiffClient;
import dev.skiff.client.StepView;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads the last {@code digits} run back from the store with the client: the trained model as an
 * {@link SvmModel}, the test accuracy, and the skew report, as a {@link SkewReport} and as the HTML
 * page saved to a file (default {@code skew_report.html}) to open in a browser.
 *
 * <pre>
 * java -cp examples/digits/target/digits.jar dev.skiff.examples.digits.LastRun [REPORT.html]
 * </pre>
 */
public final class LastRun {
  private LastRun() {}

  public static void main(String[] args) {
    Path report = Path.of(args.length > 0 ? args[0] : "skew_report.html");
    try (SkiffClient client = SkiffClient.open()) {
      System.out.println(describe(client, report));
    }
  }

  /** What the last run made, in a few lines; saves its skew report to {@code report}. */
  public static String describe(SkiffClient client, Path report) {
    RunView run = client.lastRun("digits");
    SvmModel model = run.step("trainer").output(SvmModel.class);
    double accuracy = run.step("evaluator").output(Double.class);
    StepView skew = run.step("skew_comparison");
    SkewReport shifts = skew.output(SkewReport.class);
    Path saved = skew.saveVisualization("skew_report", report);
    return String.format(
        Locale.ROOT,
        "Run %s (%s)%n"
            + "Model: %d classes, %d support vectors%n"
            + "Test accuracy: %.4f%n"
            + "Largest mean shift: %s%n"
            + "Skew report: %s",
        run.id(),
        run.status().toString().toLowerCase(Locale.ROOT),
        model.classes().length,
        Arrays.stream(model.supportVectorCounts()).sum(),
        accuracy,
        shifts.feature(shifts.largestShifts().get(0)).name(),
        saved.toAbsolutePath());
  }
}
