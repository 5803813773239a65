package dev.skiff.examples.digits;

import dev.skiff.sdk.Matrix;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.Pipeline;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.RunResult;
import dev.skiff.sdk.StepContext;
import dev.skiff.sdk.Visualization;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The flagship example: handwritten digits classified by an RBF support vector machine, with a
 * train/test skew report computed in parallel.
 *
 * <pre>
 * importer ──┬──► trainer ──► evaluator   (evaluator also gets xTest, yTest from importer)
 *            └──► skew_comparison
 * </pre>
 *
 * Each step is a plain static method: call it directly in a unit test, or let Skiff run it with its
 * inputs loaded from the artifact store.
 */
public final class DigitsPipeline implements PipelineDefinition {

  /** Pixel counts are 0..16; the SVM sees them scaled to [0, 1]. */
  static final double PIXEL_SCALE = 1.0 / DigitsData.MAX_PIXEL;

  /**
   * The importer's output. A record return type makes a multi-output step: each component is its
   * own named artifact ({@code xTrain}, {@code xTest}, {@code yTrain}, {@code yTest}).
   */
  public record Split(Matrix xTrain, Matrix xTest, int[] yTrain, int[] yTest) {
    public Split {
      Objects.requireNonNull(xTrain, "xTrain");
      Objects.requireNonNull(xTest, "xTest");
      if (xTrain.rows() != yTrain.length || xTest.rows() != yTest.length) {
        throw new IllegalArgumentException("feature rows and labels differ in number");
      }
      yTrain = yTrain.clone();
      yTest = yTest.clone();
    }

    @Override
    public int[] yTrain() {
      return yTrain.clone();
    }

    @Override
    public int[] yTest() {
      return yTest.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Split s
          && s.xTrain.equals(xTrain)
          && s.xTest.equals(xTest)
          && Arrays.equals(s.yTrain, yTrain)
          && Arrays.equals(s.yTest, yTest);
    }

    @Override
    public int hashCode() {
      return Objects.hash(xTrain, xTest, Arrays.hashCode(yTrain), Arrays.hashCode(yTest));
    }

    @Override
    public String toString() {
      return "Split[train="
          + xTrain.rows()
          + " rows, test="
          + xTest.rows()
          + " rows, features="
          + xTrain.cols()
          + "]";
    }
  }

  /**
   * Parameters of the importer.
   *
   * @param testFraction share of the rows held out for testing, strictly between 0 and 1
   * @param seed seed of the shuffle: the same seed gives the same split
   */
  public record SplitConfig(double testFraction, long seed) {
    public SplitConfig {
      if (!(testFraction > 0 && testFraction < 1)) {
        throw new IllegalArgumentException(
            "testFraction must be between 0 and 1 (exclusive), was " + testFraction);
      }
    }
  }

  /**
   * Hyper-parameters of the trainer.
   *
   * @param cost libsvm's C: the penalty of a margin violation
   * @param gamma the RBF kernel width, for features scaled to [0, 1]
   */
  public record SvmConfig(double cost, double gamma) {
    public SvmConfig {
      if (!(cost > 0) || !(gamma > 0) || !Double.isFinite(cost) || !Double.isFinite(gamma)) {
        throw new IllegalArgumentException(
            "cost and gamma must be positive, were " + cost + " and " + gamma);
      }
    }
  }

  /** Needed by Skiff: a step process re-creates the definition to find a step's code. */
  public DigitsPipeline() {}

  /** Runs the pipeline on the active stack and exits with the run's status. */
  public static void main(String[] args) {
    RunResult result = Pipeline.of(new DigitsPipeline()).run();
    System.exit(result.status().exitCode());
  }

  @Override
  public String name() {
    return "digits";
  }

  @Override
  public void define(PipelineBuilder p) {
    Out<Split> data =
        p.step("importer", DigitsPipeline::importer, Param.of(new SplitConfig(0.2, 42)));
    Out<SvmModel> model =
        p.step(
            "trainer",
            DigitsPipeline::trainSvc,
            data.get(Split::xTrain),
            data.get(Split::yTrain),
            Param.of(new SvmConfig(10.0, 0.5)));
    p.step(
        "evaluator",
        DigitsPipeline::evaluate,
        data.get(Split::xTest),
        data.get(Split::yTest),
        model);
    p.step(
        "skew_comparison",
        DigitsPipeline::compare,
        data.get(Split::xTrain),
        data.get(Split::xTest));
  }

  /**
   * Step {@code importer}: loads the bundled digits and splits them, shuffled, into train and test.
   */
  public static Split importer(SplitConfig config) {
    DigitsData digits = DigitsData.load();
    Split split = digits.split(config.testFraction(), config.seed());
    log(
        "Loaded {} digits: {} for training, {} for testing (seed {})",
        digits.rows(),
        split.xTrain().rows(),
        split.xTest().rows(),
        config.seed());
    return split;
  }

  /** Step {@code trainer}: an RBF C-SVC (Tribuo's libsvm) on pixels scaled to [0, 1]. */
  public static SvmModel trainSvc(Matrix xTrain, int[] yTrain, SvmConfig config) {
    long start = System.nanoTime();
    SvmModel model = SvmTrainer.train(xTrain, yTrain, config.cost(), config.gamma(), PIXEL_SCALE);
    long millis = (System.nanoTime() - start) / 1_000_000;
    log(
        "Trained an RBF SVM (C={}, gamma={}) on {} rows in {} ms: {} support vectors",
        config.cost(),
        config.gamma(),
        xTrain.rows(),
        millis,
        Arrays.stream(model.supportVectorCounts()).sum());
    return model;
  }

  /** Step {@code evaluator}: the model's accuracy on the test split. */
  public static double evaluate(Matrix xTest, int[] yTest, SvmModel model) {
    double accuracy = model.accuracy(xTest, yTest);
    String shown = String.format(Locale.ROOT, "%.4f", accuracy);
    // In a step the line goes to the step log (shown live and saved); outside one, to stdout.
    currentStep()
        .ifPresentOrElse(
            step -> step.log().info("Test accuracy: {}", shown),
            () -> System.out.println("Test accuracy: " + shown));
    return accuracy;
  }

  /**
   * Step {@code skew_comparison}: per-feature statistics of train ({@code reference}) against test
   * ({@code comparison}), attached as the HTML visualization {@code skew_report}.
   */
  public static SkewReport compare(Matrix reference, Matrix comparison) {
    SkewReport report =
        SkewReport.compute("train", reference, "test", comparison, DigitsData.featureNames());
    currentStep()
        .ifPresent(
            step ->
                step.visualize(Visualization.html("skew_report", SkewReportHtml.render(report))));
    log("Largest mean shifts: {}", describeLargestShifts(report));
    return report;
  }

  /** E.g. {@code pixel_7_1 -0.181, pixel_0_1 -0.147}. */
  private static String describeLargestShifts(SkewReport report) {
    return report.largestShifts().stream()
        .map(report::feature)
        .map(f -> f.name() + " " + String.format(Locale.ROOT, "%.3f", f.meanShift()))
        .collect(Collectors.joining(", "));
  }

  /** Logs to the running step; does nothing when called outside a step, e.g. in a unit test. */
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
