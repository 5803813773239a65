package dev.skiff.examples.sweep;

import dev.skiff.examples.digits.DigitsPipeline;
import dev.skiff.examples.digits.DigitsPipeline.Split;
import dev.skiff.examples.digits.DigitsPipeline.SplitConfig;
import dev.skiff.examples.digits.DigitsPipeline.SvmConfig;
import dev.skiff.examples.digits.SvmModel;
import dev.skiff.sdk.Matrix;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.Pipeline;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.RunResult;
import dev.skiff.sdk.RunSummary;
import dev.skiff.sdk.StepContext;
import dev.skiff.sdk.Visualization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A hyper-parameter sweep on the digits: a grid of SVM settings computed when the run starts, one
 * trainer per setting ({@code train[0]}, {@code train[1]} …, in parallel), a selector that keeps
 * the most accurate model, and a {@code register} step that runs only when that model is good
 * enough. If anything fails, the {@code alert} hook reports it.
 *
 * <pre>
 * importer ─┬──────────────────────────┐
 * grid ─────┴─► train[i] (map) ─► select ─► good_enough ─?─► register
 *                                                 alert (on failure)
 * </pre>
 *
 * The data, trainer and model are the digits example's ({@link DigitsPipeline}).
 */
public class SweepPipeline implements PipelineDefinition {
  /** The default grid: 3 costs by 2 kernel widths. */
  public static final GridSpec GRID = new GridSpec(List.of(1.0, 10.0, 100.0), List.of(0.05, 0.5));

  /** The default accuracy a model needs on the test split to be registered. */
  public static final double THRESHOLD = 0.95;

  private final GridSpec grid;
  private final double threshold;

  /**
   * The values to try; the grid is their product.
   *
   * @param costs libsvm's C values
   * @param gammas RBF kernel widths
   */
  public record GridSpec(List<Double> costs, List<Double> gammas) {
    public GridSpec {
      costs = List.copyOf(costs);
      gammas = List.copyOf(gammas);
    }
  }

  /** One point of the grid. */
  public record Trial(double cost, double gamma) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "C=%s gamma=%s", cost, gamma);
    }
  }

  /** What one trainer returns: its trial, the model and its accuracy on the test split. */
  public record Candidate(Trial trial, double accuracy, SvmModel model) {}

  /** The selector's choice; a record, so each component is its own output. */
  public record Best(Trial trial, double accuracy, SvmModel model) {}

  /** Needed by Skiff: the default grid and threshold. */
  public SweepPipeline() {
    this(GRID, THRESHOLD);
  }

  /** Another grid or threshold (a subclass with a no-argument constructor passes them). */
  protected SweepPipeline(GridSpec grid, double threshold) {
    this.grid = Objects.requireNonNull(grid, "grid");
    this.threshold = threshold;
  }

  /** Runs the sweep on the active stack and exits with the run's status. */
  public static void main(String[] args) {
    RunResult result = Pipeline.of(new SweepPipeline()).run();
    System.exit(result.status().exitCode());
  }

  @Override
  public String name() {
    return "sweep";
  }

  @Override
  public void define(PipelineBuilder p) {
    Out<Split> data =
        p.step("importer", DigitsPipeline::importer, Param.of(new SplitConfig(0.2, 42)));
    Out<List<Trial>> trials = p.step("grid", SweepPipeline::grid, Param.of(grid));
    Out<List<Candidate>> candidates =
        p.map(
            "train",
            SweepPipeline::train,
            trials,
            data.get(Split::xTrain),
            data.get(Split::yTrain),
            data.get(Split::xTest),
            data.get(Split::yTest));
    Out<Best> best = p.step("select", SweepPipeline::select, candidates);
    Out<Boolean> good =
        p.step(
            "good_enough",
            SweepPipeline::goodEnough,
            best.get(Best::accuracy),
            Param.of(threshold));
    p.step(
            "register",
            SweepPipeline::register,
            best.get(Best::model),
            best.get(Best::trial),
            best.get(Best::accuracy))
        .onlyIf(good);
    p.onFailure("alert", SweepPipeline::alert, Param.of("#digits-sweep"));
  }

  /** Step {@code grid}: every combination of the spec's values, costs first. */
  public static List<Trial> grid(GridSpec spec) {
    List<Trial> trials = new ArrayList<>();
    for (double cost : spec.costs()) {
      for (double gamma : spec.gammas()) {
        trials.add(new Trial(cost, gamma));
      }
    }
    log("Grid of {} trials", trials.size());
    return trials;
  }

  /** Step {@code train[i]}: trains on the train split, scores on the test split. */
  public static Candidate train(
      Trial trial, Matrix xTrain, int[] yTrain, Matrix xTest, int[] yTest) {
    SvmModel model =
        DigitsPipeline.trainSvc(xTrain, yTrain, new SvmConfig(trial.cost(), trial.gamma()));
    double accuracy = model.accuracy(xTest, yTest);
    log("{}: accuracy {}", trial, format(accuracy));
    return new Candidate(trial, accuracy, model);
  }

  /**
   * Step {@code select}: the most accurate candidate (the first of equals), with an HTML table of
   * every trial as the visualization {@code sweep}.
   */
  public static Best select(List<Candidate> candidates) {
    Candidate best =
        candidates.stream() // max keeps the first of equals: grid order breaks ties
            .max(Comparator.comparingDouble(Candidate::accuracy))
            .orElseThrow(
                () -> new IllegalArgumentException("the grid is empty: nothing to select"));
    StringBuilder html = new StringBuilder("<table><tr><th>trial</th><th>accuracy</th></tr>");
    for (Candidate c : candidates) {
      html.append("<tr><td>")
          .append(c.trial())
          .append(c == best ? " (best)" : "")
          .append("</td><td>")
          .append(format(c.accuracy()))
          .append("</td></tr>");
    }
    html.append("</table>");
    currentStep().ifPresent(s -> s.visualize(Visualization.html("sweep", html.toString())));
    log(
        "Best of {}: {} with accuracy {}",
        candidates.size(),
        best.trial(),
        format(best.accuracy()));
    return new Best(best.trial(), best.accuracy(), best.model());
  }

  /** Step {@code good_enough}: the condition of {@code register}. */
  public static boolean goodEnough(double accuracy, double threshold) {
    return accuracy >= threshold;
  }

  /**
   * Step {@code register}: runs only when the best model is good enough. The model is already an
   * artifact of this run; a real pipeline would copy it to a model registry here. Returns the
   * registry entry.
   */
  public static String register(SvmModel model, Trial trial, double accuracy) {
    String entry = "digits-svm " + trial + " accuracy " + format(accuracy);
    log("Registered {} ({} classes)", entry, model.classes().length);
    return entry;
  }

  /** Hook {@code alert}: runs if the run fails; a real one would post to {@code channel}. */
  public static String alert(RunSummary run, String channel) {
    String text =
        channel
            + ": "
            + run.pipeline()
            + " run "
            + run.runId()
            + " failed at "
            + run.failedStep()
            + ": "
            + run.error();
    log("{}", text);
    return text;
  }

  private static String format(double accuracy) {
    return String.format(Locale.ROOT, "%.4f", accuracy);
  }

  private static void log(String message, Object... args) {
    currentStep().ifPresent(step -> step.log().info(message, args));
  }

  private static Optional<StepContext> currentStep() {
    try {
      return Optional.of(StepContext.current());
    } catch (IllegalStateException notInStep) {
      return Optional.empty();
    }
  }
}
