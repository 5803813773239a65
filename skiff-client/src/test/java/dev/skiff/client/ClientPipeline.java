package dev.skiff.client;

import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.StepContext;
import dev.skiff.sdk.Visualization;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A small pipeline with every kind of output the client reads: a record split into components, a
 * list mapped over, a map's result, a single value and an HTML visualization.
 */
public final class ClientPipeline implements PipelineDefinition {
  public static final String NAME = "client_test";

  /** Two outputs, {@code label} and {@code values}. */
  public record Parts(String label, List<Integer> values) {}

  public ClientPipeline() {}

  public static Parts make(int count) {
    return new Parts("first " + count, IntStream.rangeClosed(1, count).boxed().toList());
  }

  public static int square(int value) {
    return value * value;
  }

  public static double total(List<Integer> squares, String label) {
    double sum = squares.stream().mapToInt(Integer::intValue).sum();
    StepContext.current()
        .visualize(Visualization.html("chart", "<p>" + label + ": " + sum + "</p>"));
    return sum;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void define(PipelineBuilder p) {
    Out<Parts> parts = p.step("make", ClientPipeline::make, Param.of(3));
    Out<List<Integer>> squares = p.map("square", ClientPipeline::square, parts.get(Parts::values));
    p.step("total", ClientPipeline::total, squares, parts.get(Parts::label));
  }
}
