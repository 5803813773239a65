package dev.skiff.local;

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
 * Pipelines with fan-ins, maps, conditions and hooks, for threads and step processes alike: steps
 * talk to the test through files in a folder the test gives as a parameter ({@link Ctl}), since a
 * step process shares no memory with the test.
 */
public final class FlowPipelines {
  private FlowPipelines() {}

  /** The test's folder: calls are counted, failures switched on and concurrency seen there. */
  public record Ctl(String dir) {
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

  static int part(Ctl ctl, int i) {
    ctl.called();
    return i;
  }

  static String joined(List<Integer> parts) {
    return parts.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  static String joinedAs(List<Integer> parts, String label) {
    return joined(parts);
  }

  /** 50 steps, all read by one step through {@code Inputs.all}, in order. */
  public static final class FanIn implements PipelineDefinition {
    static final int WIDTH = 50;
    private final String dir;
    private final String label;

    public FanIn() {
      this("unused", "");
    }

    FanIn(String dir, String label) {
      this.dir = dir;
      this.label = label;
    }

    @Override
    public void define(PipelineBuilder p) {
      // the steps must not depend on the constructor: a step process re-creates the pipeline
      List<Out<Integer>> parts = new ArrayList<>();
      for (int i = 0; i < WIDTH; i++) {
        parts.add(
            p.step(
                String.format("part%02d", i),
                FlowPipelines::part,
                Param.of(new Ctl(dir)),
                Param.of(i)));
      }
      p.step("joined", FlowPipelines::joinedAs, Inputs.all(parts), Param.of(label));
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
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (count(running) < meet) {
          if (System.nanoTime() > end) {
            throw new IllegalStateException(
                "only " + count(running) + " of " + meet + " instances ran at once");
          }
          Thread.sleep(10);
        }
        ctl.append("met", String.valueOf(x));
      }
      Thread.sleep(20);
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
    return squares.isEmpty() ? "empty" : joined(squares);
  }

  /** items(values) → sq[i] (map, at most {@code parallelism} at once, 2 attempts) → collect. */
  public static final class Squares implements PipelineDefinition {
    private final String dir;
    private final List<Integer> values;
    private final int parallelism;
    private final int meet;

    public Squares() {
      this("unused", List.of(), 0, 0);
    }

    Squares(String dir, List<Integer> values, int parallelism, int meet) {
      this.dir = dir;
      this.values = values;
      this.parallelism = parallelism;
      this.meet = meet;
    }

    static Squares of(Path dir, int n, int parallelism, int meet) {
      return new Squares(dir.toString(), IntStream.range(0, n).boxed().toList(), parallelism, meet);
    }

    @Override
    public void define(PipelineBuilder p) {
      Param<Ctl> ctl = Param.of(new Ctl(dir));
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

  static String archive(Ctl ctl) {
    ctl.called();
    return "archived";
  }

  static double train(Ctl ctl) {
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
   * evaluate → good_enough; deploy → announce only if good enough, archive after deploy without its
   * data; train (fails while {@code diverge} exists); hooks on failure and on success.
   */
  public static final class Release implements PipelineDefinition {
    private final String dir;
    private final double accuracy;

    public Release() {
      this("unused", 0);
    }

    Release(String dir, double accuracy) {
      this.dir = dir;
      this.accuracy = accuracy;
    }

    @Override
    public void define(PipelineBuilder p) {
      Param<Ctl> ctl = Param.of(new Ctl(dir));
      Out<Double> trained = p.step("train", FlowPipelines::train, ctl);
      Out<Double> accuracy =
          p.step("evaluate", FlowPipelines::evaluate, ctl, Param.of(this.accuracy));
      Out<Boolean> good = p.step("good_enough", FlowPipelines::goodEnough, accuracy, Param.of(0.9));
      p.when(
          good,
          () -> {
            Out<String> deployed = p.step("deploy", FlowPipelines::deploy, ctl, accuracy);
            p.step("announce", FlowPipelines::announce, ctl, deployed);
            Out<String> archived = p.step("archive", FlowPipelines::archive, ctl);
            p.after(archived, trained);
          });
      Out<String> cleanup = p.step("cleanup", FlowPipelines::archive, ctl);
      p.after(cleanup, p.step("marker", FlowPipelines::archive, ctl).onlyIf(good));
      p.onFailure("page", FlowPipelines::page, Param.of("#ml-oncall"));
      p.onSuccess("celebrate", FlowPipelines::celebrate);
    }
  }
}
