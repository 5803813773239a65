package dev.skiff.local.docs;

import dev.skiff.sdk.Inputs;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.RunSummary;
import dev.skiff.sdk.StepContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The worked examples of docs/pipelines.md (fan-in, map, conditions, hooks), compiled and run by
 * {@code PipelineExamplesTest} so they cannot rot. Keep the two in step.
 */
public final class PipelineExamples {
  private PipelineExamples() {}

  // [fan-in]
  public static final class Ensemble implements PipelineDefinition {
    public static double score(int seed) {
      return (80 + seed) / 100.0; // train and evaluate one model
    }

    public static double best(List<Double> scores) {
      return scores.stream().max(Double::compare).orElseThrow();
    }

    @Override
    public void define(PipelineBuilder p) {
      List<Out<Double>> scores = new ArrayList<>();
      for (int seed = 0; seed < 5; seed++) {
        scores.add(p.step("score_" + seed, Ensemble::score, Param.of(seed)));
      }
      p.step("best", Ensemble::best, Inputs.all(scores));
    }
  }

  // [/fan-in]

  // [map]
  public static final class Sweep implements PipelineDefinition {
    public record Trial(double cost, double gamma) {}

    public record Result(Trial trial, double accuracy) {}

    /** The trials are known only when this step runs. */
    public static List<Trial> grid(int size) {
      List<Trial> trials = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        for (int j = 0; j < size; j++) {
          trials.add(new Trial(Math.pow(10, i), Math.pow(10, -j)));
        }
      }
      return trials;
    }

    /** One instance per trial: evaluate[0], evaluate[1], … */
    public static Result evaluate(Trial trial, String dataset) {
      StepContext.current().log().info("{} on {}", trial, dataset);
      return new Result(trial, 1.0 / (1 + Math.abs(Math.log10(trial.cost() * trial.gamma()))));
    }

    public static Trial best(List<Result> results) {
      return results.stream()
          .max(Comparator.comparingDouble(Result::accuracy))
          .orElseThrow()
          .trial();
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<List<Trial>> trials = p.step("grid", Sweep::grid, Param.of(3));
      Out<List<Result>> results =
          p.map("evaluate", Sweep::evaluate, trials, Param.of("digits"))
              .configure(s -> s.maxParallelism(4).maxAttempts(2));
      p.step("best", Sweep::best, results);
    }
  }

  // [/map]

  // [conditions]
  public static final class Release implements PipelineDefinition {
    public static double evaluate(double measured) {
      return measured;
    }

    public static boolean atLeast(double accuracy, double threshold) {
      return accuracy >= threshold;
    }

    public static String deploy(double accuracy) {
      return "models/v2 (" + accuracy + ")";
    }

    public static String announce(String deployed) {
      return "deployed " + deployed;
    }

    public static String report(double accuracy) {
      return "accuracy " + accuracy;
    }

    private final double measured;

    public Release() {
      this(0.95);
    }

    public Release(double measured) {
      this.measured = measured;
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<Double> accuracy = p.step("evaluate", Release::evaluate, Param.of(measured));
      Out<Boolean> good = p.step("good_enough", Release::atLeast, accuracy, Param.of(0.9));
      p.when(
          good,
          () -> {
            Out<String> deployed = p.step("deploy", Release::deploy, accuracy);
            p.step("announce", Release::announce, deployed);
          });
      p.step("report", Release::report, accuracy).onlyIf(good);
    }
  }

  // [/conditions]

  // [hooks]
  public static final class Nightly implements PipelineDefinition {
    public static double train() {
      throw new IllegalStateException("loss diverged");
    }

    public static String page(RunSummary run, String channel) {
      String text =
          run.pipeline() + " " + run.status() + " at " + run.failedStep() + ": " + run.error();
      // post text to channel (chat, pager) here
      return channel + " " + text;
    }

    public static String audit(RunSummary run) {
      return run.runId() + " " + run.status() + " in " + run.duration();
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("train", Nightly::train);
      p.onFailure("page", Nightly::page, Param.of("#ml-oncall"));
      p.always("audit", Nightly::audit);
    }
  }
  // [/hooks]
}
