package dev.skiff.examples.digits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.cli.SkiffCli;
import dev.skiff.client.RunView;
import dev.skiff.client.SkiffClient;
import dev.skiff.sdk.RunStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client API reads the last digits run's model and skew report back from the store. */
@Timeout(180)
class LastRunTest {
  @TempDir Path dir;

  @Test
  void theClientReadsTheLastDigitsRunsModelAndSkewReport() throws Exception {
    Path project = dir.resolve("project");
    skiff("init", project.toString());
    skiff("run", DigitsPipeline.class.getName(), "--project", project.toString());

    try (SkiffClient client = SkiffClient.open(project)) {
      RunView run = client.lastRun("digits");
      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);

      // the stored model is the one the trainer makes, and as accurate
      SvmModel model = run.step("trainer").output(SvmModel.class);
      assertThat(model).isEqualTo(Fixtures.model());
      assertThat(model.accuracy(Fixtures.split().xTest(), Fixtures.split().yTest()))
          .isEqualTo(run.step("evaluator").output(Double.class))
          .isGreaterThan(0.95);

      // the skew step's record, rebuilt from its components, and its HTML visualization
      SkewReport report = run.step("skew_comparison").output(SkewReport.class);
      SkewReport expected =
          DigitsPipeline.compare(Fixtures.split().xTrain(), Fixtures.split().xTest());
      assertThat(report).isEqualTo(expected);
      Path html = dir.resolve("skew_report.html");
      String described = LastRun.describe(client, html);
      assertThat(Files.readString(html)).isEqualTo(SkewReportHtml.render(expected));
      assertThat(described)
          .startsWith("Run " + run.id() + " (succeeded)")
          .contains("Test accuracy: 0.9")
          .contains(
              "Largest mean shift: " + expected.feature(expected.largestShifts().get(0)).name())
          .endsWith("Skew report: " + html.toAbsolutePath());
    }
  }

  private static void skiff(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = SkiffCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as("skiff %s%n%s%n%s", String.join(" ", args), out, err).isZero();
  }
}
