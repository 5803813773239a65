package dev.skiff.examples.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.cli.SkiffCli;
import dev.skiff.client.RunView;
import dev.skiff.client.SkiffClient;
import dev.skiff.client.StepView;
import dev.skiff.examples.digits.SvmModel;
import dev.skiff.examples.sweep.SweepPipeline.Candidate;
import dev.skiff.examples.sweep.SweepPipeline.GridSpec;
import dev.skiff.examples.sweep.SweepPipeline.Trial;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep end to end with the local orchestrator (steps on threads), run with the CLI in a new
 * project and read back with the client.
 */
@Timeout(300)
class SweepPipelineTest {
  static final GridSpec SMALL = new GridSpec(List.of(1.0, 10.0), List.of(0.05, 0.5));

  @TempDir Path dir;

  /** A smaller grid, to keep the test short. */
  public static final class SmallSweep extends SweepPipeline {
    public SmallSweep() {
      super(SMALL, THRESHOLD);
    }
  }

  /** A threshold no model reaches: nothing is registered, and that is not a failure. */
  public static final class StrictSweep extends SweepPipeline {
    public StrictSweep() {
      super(SMALL, 1.01);
    }
  }

  /** A grid with an invalid cost: a trainer fails, so does the run, and the hook reports it. */
  public static final class BrokenSweep extends SweepPipeline {
    public BrokenSweep() {
      super(new GridSpec(List.of(-1.0), List.of(0.05)), THRESHOLD);
    }
  }

  @Test
  void picksTheMostAccurateTrialAndRegistersIt() {
    Path project = init();
    run(project, SmallSweep.class, 0);

    try (SkiffClient client = SkiffClient.open(project)) {
      RunView run = client.lastRun("sweep");
      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(statuses(run))
          .containsEntry("grid", StepStatus.SUCCEEDED)
          .containsEntry("train", StepStatus.SUCCEEDED)
          .containsEntry("train[3]", StepStatus.SUCCEEDED)
          .containsEntry("select", StepStatus.SUCCEEDED)
          .containsEntry("register", StepStatus.SUCCEEDED)
          .containsEntry("alert", StepStatus.SKIPPED)
          .doesNotContainKey("train[4]");

      List<Candidate> candidates = run.step("train").outputList(Candidate.class);
      assertThat(candidates)
          .extracting(Candidate::trial)
          .containsExactly(
              new Trial(1.0, 0.05),
              new Trial(1.0, 0.5),
              new Trial(10.0, 0.05),
              new Trial(10.0, 0.5));
      Candidate expected =
          candidates.stream().max(Comparator.comparingDouble(Candidate::accuracy)).orElseThrow();
      StepView select = run.step("select");
      assertThat(select.output("trial", Trial.class)).isEqualTo(expected.trial());
      assertThat(select.output("accuracy", Double.class))
          .isEqualTo(expected.accuracy())
          .isGreaterThan(SweepPipeline.THRESHOLD);
      assertThat(select.output("model", SvmModel.class)).isEqualTo(expected.model());
      assertThat(new String(select.visualization("sweep"), StandardCharsets.UTF_8))
          .contains(expected.trial() + " (best)");
      assertThat(run.step("register").output(String.class))
          .startsWith("digits-svm " + expected.trial() + " accuracy 0.9");
    }
  }

  @Test
  void aModelBelowTheThresholdIsNotRegistered() {
    Path project = init();
    run(project, StrictSweep.class, 0);

    try (SkiffClient client = SkiffClient.open(project)) {
      RunView run = client.lastRun("sweep");
      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      StepView register = run.step("register");
      assertThat(register.status()).isEqualTo(StepStatus.SKIPPED);
      assertThat(register.error()).contains("condition false: 'good_enough' is false");
      assertThat(run.step("good_enough").output(Boolean.class)).isFalse();
      assertThat(run.step("alert").status()).isEqualTo(StepStatus.SKIPPED);
    }
  }

  @Test
  void aFailedTrainerFailsTheRunAndTheHookReportsIt() {
    Path project = init();
    run(project, BrokenSweep.class, 1);

    try (SkiffClient client = SkiffClient.open(project)) {
      RunView run = client.lastRun("sweep");
      assertThat(run.status()).isEqualTo(RunStatus.FAILED);
      assertThat(run.step("train[0]").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("register").status()).isEqualTo(StepStatus.SKIPPED);
      StepView alert = run.step("alert");
      assertThat(alert.status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(alert.output(String.class))
          .startsWith("#digits-sweep: sweep run " + run.id() + " failed at train")
          .contains("cost and gamma must be positive");
    }
  }

  private Path init() {
    Path project = dir.resolve("project");
    skiff(project, 0, "init", project.toString());
    return project;
  }

  private static void run(Path project, Class<?> pipeline, int exitCode) {
    skiff(project, exitCode, "run", pipeline.getName(), "--project", project.toString());
  }

  private static Map<String, StepStatus> statuses(RunView run) {
    return run.steps().stream().collect(Collectors.toMap(StepView::name, StepView::status));
  }

  private static String skiff(Path project, int exitCode, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        SkiffCli.execute(
            new ArrayList<>(List.of(args)).toArray(String[]::new),
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    assertThat(code).as("skiff %s%n%s%n%s", String.join(" ", args), out, err).isEqualTo(exitCode);
    return out.toString();
  }
}
