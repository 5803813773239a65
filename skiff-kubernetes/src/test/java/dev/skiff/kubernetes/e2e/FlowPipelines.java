package dev.skiff.kubernetes.e2e;

import dev.skiff.sdk.Inputs;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.RetryPolicy;
import dev.skiff.sdk.RunSummary;
import dev.skiff.sdk.StepContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Fan-ins, maps, conditions and hooks as pods run them (the shapes of skiff-local's flow tests):
 * steps talk to the test through files in the test's folder, which every pod mounts at {@link
 * Ctl#MOUNTED} (a hostPath volume), since a pod shares nothing else with the test.
 */
public final class FlowPipelines {
  private FlowPipelines() {}

  /** The folder where steps count their calls, find their switches and meet. */
  public record Ctl(String dir) {
    /** Where pods mount the test's folder. */
    public static final Ctl MOUNTED = new Ctl(E2ePipelines.Dir.MOUNTED.path());

    Path path(String name) {
      return Path.of(dir).resolve(name);
    }

    /** Records a call of the running step (map instances by their own name, e.g. {@code sq[3]}). */
    void called() {
      append("calls", StepContext.current().stepName());
    }

    void append(String file, String line) {
      try {
        Files.writeString(
            path(file),
            line + "\n",
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND,
            StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    boolean exists(String name) {
      return Files.exists(path(name));
    }

    /** The lines of {@code file} in the test's own view of the folder. */
    static List<String> lines(Path dir, String file) {
      try {
        Path p = dir.resolve(file);
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static long calls(Path dir, String step) {
      return lines(dir, "calls").stream().filter(step::equals).count();
    }
  }

  // ---- fan-in

  /** A producer of the fan-in: no folder, so the test can run the producers outside the cluster. */
  static int part(int i) {
    return i;
  }

  static String joined(List<Integer> parts, Ctl ctl) {
    ctl.called();
    System.out.println("joined " + parts.size() + " parts");
    return parts.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  /** 50 steps, all read by one step through {@code Inputs.all}, in order. */
  public static final class FanIn implements PipelineDefinition {
    static final int WIDTH = 50;

    @Override
    public String name() {
      return "fanin";
    }

    @Override
    public void define(PipelineBuilder p) {
      List<Out<Integer>> parts = new ArrayList<>();
      for (int i = 0; i < WIDTH; i++) {
        parts.add(p.step(String.format("part%02d", i), FlowPipelines::part, Param.of(i)));
      }
      p.step("joined", FlowPipelines::joined, Inputs.all(parts), Param.of(Ctl.MOUNTED));
    }
  }

  // ---- map

  static List<Integer> items(Ctl ctl, List<Integer> values) {
    ctl.called();
    return values;
  }

  /**
   * Squares {@code x}, failing on attempt 1 for {@code x == 2} if {@code flaky} exists and on every
   * attempt for {@code x == 3} while {@code broken} exists. Counts the instances running (marker
   * files in {@code running/}); the first {@code meet} instances wait until they all run at once.
   */
  static int square(int x, Ctl ctl, int meet) throws Exception {
    ctl.called();
    Path running = ctl.path("running");
    Files.createDirectories(running);
    Path marker =
        running.resolve(StepContext.current().stepName() + "-" + StepContext.current().attempt());
    try {
      Files.createFile(marker);
    } catch (FileAlreadyExistsException e) {
      // the same attempt adopted: count it once
    }
    try {
      ctl.append("concurrency", String.valueOf(count(running)));
      if (x < meet) {
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (count(running) < meet) {
          if (System.nanoTime() > end) {
            throw new IllegalStateException(
                "only " + count(running) + " of " + meet + " instances ran at once");
          }
          Thread.sleep(20);
        }
        ctl.append("met", String.valueOf(x));
      }
      Thread.sleep(50);
      ctl.append("concurrency", String.valueOf(count(running)));
      if (x == 2 && ctl.exists("flaky") && StepContext.current().attempt() == 1) {
        throw new IllegalStateException("flaky element " + x);
      }
      if (x == 3 && ctl.exists("broken")) {
        throw new IllegalStateException("broken element " + x);
      }
      return x * x;
    } finally {
      Files.deleteIfExists(marker);
    }
  }

  private static long count(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  static String collect(Ctl ctl, List<Integer> squares) {
    ctl.called();
    return squares.isEmpty()
        ? "empty"
        : squares.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  /** items(values) → sq[i] (map, at most {@code parallelism} at once, 2 attempts) → collect. */
  public static class Squares implements PipelineDefinition {
    private final List<Integer> values;
    private final int parallelism;
    private final int meet;

    Squares(int n, int parallelism, int meet) {
      this.values = IntStream.range(0, n).boxed().toList();
      this.parallelism = parallelism;
      this.meet = meet;
    }

    @Override
    public String name() {
      return "squares";
    }

    @Override
    public void define(PipelineBuilder p) {
      Param<Ctl> ctl = Param.of(Ctl.MOUNTED);
      Out<List<Integer>> items = p.step("items", FlowPipelines::items, ctl, Param.of(values));
      Out<List<Integer>> squares =
          p.map("sq", FlowPipelines::square, items, ctl, Param.of(meet))
              .configure(
                  s ->
                      s.maxParallelism(parallelism)
                          .retry(
                              RetryPolicy.newBuilder()
                                  .maxAttempts(2)
                                  .initialBackoff(Duration.ofMillis(10))
                                  .retryOn(dev.skiff.sdk.FailureKind.USER_CODE)
                                  .build()));
      p.step("collect", FlowPipelines::collect, ctl, squares);
    }
  }

  /** 20 elements, at most 4 instances at once; the first 4 wait for one another. */
  public static final class Twenty extends Squares {
    public Twenty() {
      super(20, 4, 4);
    }
  }

  /** A map over an empty run-time list. */
  public static final class Empty extends Squares {
    public Empty() {
      super(0, 4, 0);
    }
  }

  /** 5 elements, no limit of the map's own. */
  public static final class Five extends Squares {
    public Five() {
      super(5, 0, 0);
    }
  }

  // ---- a map whose instances wait for the test (orchestrator restart)

  static int gate(int x, Ctl ctl) throws Exception {
    ctl.called();
    Files.writeString(ctl.path(StepContext.current().stepName() + ".started"), "x");
    long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!ctl.exists("release")) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("never released");
      }
      Thread.sleep(20);
    }
    return x + 1;
  }

  /** items [0, 1] → gate[i], which wait until the test writes {@code release}. */
  public static final class GatedMap implements PipelineDefinition {
    @Override
    public String name() {
      return "gatedmap";
    }

    @Override
    public void define(PipelineBuilder p) {
      Param<Ctl> ctl = Param.of(Ctl.MOUNTED);
      Out<List<Integer>> items =
          p.step("items", FlowPipelines::items, ctl, Param.of(List.of(0, 1)));
      p.map("gate", FlowPipelines::gate, items, ctl);
    }
  }

  // ---- conditions and hooks

  static double evaluate(Ctl ctl, double accuracy) {
    ctl.called();
    return accuracy;
  }

  static boolean goodEnough(double accuracy, double threshold) {
    return accuracy >= threshold;
  }

  static String deploy(Ctl ctl, double accuracy) {
    ctl.called();
    return "deployed " + accuracy;
  }

  static String announce(Ctl ctl, String deployed) {
    ctl.called();
    return deployed + " and announced";
  }

  static double train(Ctl ctl, int seed) {
    ctl.called();
    if (ctl.exists("diverge")) {
      throw new IllegalStateException("loss diverged");
    }
    return 0.5;
  }

  static String page(RunSummary summary, String channel) {
    return channel
        + ": "
        + summary.status()
        + " at "
        + summary.failedStep()
        + ": "
        + summary.error();
  }

  static String celebrate(RunSummary summary) {
    return "all " + summary.steps().size() + " steps done";
  }

  /**
   * train; evaluate → good_enough; deploy → announce only if good enough; hooks on failure and on
   * success.
   */
  public static class Release implements PipelineDefinition {
    private final double accuracy;
    private final int seed;

    Release(double accuracy, int seed) {
      this.accuracy = accuracy;
      this.seed = seed;
    }

    @Override
    public String name() {
      return "release";
    }

    @Override
    public void define(PipelineBuilder p) {
      Param<Ctl> ctl = Param.of(Ctl.MOUNTED);
      p.step("train", FlowPipelines::train, ctl, Param.of(seed));
      Out<Double> accuracy =
          p.step("evaluate", FlowPipelines::evaluate, ctl, Param.of(this.accuracy));
      Out<Boolean> good = p.step("good_enough", FlowPipelines::goodEnough, accuracy, Param.of(0.9));
      p.when(
          good,
          () -> {
            Out<String> deployed = p.step("deploy", FlowPipelines::deploy, ctl, accuracy);
            p.step("announce", FlowPipelines::announce, ctl, deployed);
          });
      p.onFailure("page", FlowPipelines::page, Param.of("#ml-oncall"));
      p.onSuccess("celebrate", FlowPipelines::celebrate);
    }
  }

  /** Not good enough: the deploy branch is skipped. */
  public static final class Mediocre extends Release {
    public Mediocre() {
      super(0.5, 1);
    }
  }

  /**
   * Good enough, but {@code train} (another seed: not cached) fails while {@code diverge} exists.
   */
  public static final class Diverging extends Release {
    public Diverging() {
      super(0.95, 2);
    }
  }
}
