package dev.skiff.local;

import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.StepContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Pipelines the scheduler tests run. Static state is reset by each test. */
public final class TestPipelines {
  static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
  static volatile CountDownLatch bothStarted = new CountDownLatch(2);
  static volatile CountDownLatch release = new CountDownLatch(1);
  static volatile int failUntilAttempt;
  static volatile boolean failB;
  static final AtomicInteger running = new AtomicInteger();
  static final AtomicInteger maxRunning = new AtomicInteger();

  private TestPipelines() {}

  static void reset() {
    CALLS.clear();
    bothStarted = new CountDownLatch(2);
    release = new CountDownLatch(1);
    failUntilAttempt = 0;
    failB = false;
    running.set(0);
    maxRunning.set(0);
  }

  static int calls(String step) {
    return CALLS.getOrDefault(step, new AtomicInteger()).get();
  }

  static void called(String step) {
    CALLS.computeIfAbsent(step, k -> new AtomicInteger()).incrementAndGet();
  }

  public record Config(int value) {}

  /** a → (b, c): b and c each wait until both have started, which needs them to overlap. */
  public static final class Fork implements PipelineDefinition {
    static int source() {
      called("a");
      return 1;
    }

    static boolean meet(int x) throws InterruptedException {
      called(StepContext.current().stepName());
      bothStarted.countDown();
      return bothStarted.await(20, TimeUnit.SECONDS);
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<Integer> a = p.step("a", Fork::source);
      p.step("b", Fork::meet, a);
      p.step("c", Fork::meet, a);
    }
  }

  /** One step that fails until attempt {@code failUntilAttempt}. */
  public static final class Flaky implements PipelineDefinition {
    static String flaky() {
      called("flaky");
      int attempt = StepContext.current().attempt();
      if (attempt <= failUntilAttempt) {
        throw new IllegalStateException("boom on attempt " + attempt);
      }
      return "ok on attempt " + attempt;
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("flaky", Flaky::flaky)
          .configure(
              s ->
                  s.retry(
                      dev.skiff.sdk.RetryPolicy.newBuilder()
                          .maxAttempts(3)
                          .initialBackoff(Duration.ofMillis(10))
                          .build()));
    }
  }

  /**
   * root → fail → after_fail; root → slow → after_slow. {@code slow} waits until {@code fail}
   * failed, so the order of events is fixed.
   */
  public static final class Branches implements PipelineDefinition {
    static int root() {
      return 1;
    }

    static int fail(int x) {
      called("fail");
      throw new IllegalArgumentException("bad input " + x);
    }

    static int slow(int x) throws InterruptedException {
      called("slow");
      release.await(20, TimeUnit.SECONDS);
      return x + 1;
    }

    static int next(int x) {
      called(StepContext.current().stepName());
      return x + 1;
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<Integer> root = p.step("root", Branches::root);
      p.step("after_fail", Branches::next, p.step("fail", Branches::fail, root));
      p.step("after_slow", Branches::next, p.step("slow", Branches::slow, root));
    }
  }

  /** a → b → c, where b fails while {@code failB}. */
  public static final class Chain implements PipelineDefinition {
    static int a() {
      called("a");
      return 1;
    }

    static int b(int x) {
      called("b");
      if (failB) {
        throw new IllegalStateException("b is broken");
      }
      return x + 1;
    }

    static int c(int x) {
      called("c");
      return x * 10;
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("c", Chain::c, p.step("b", Chain::b, p.step("a", Chain::a)));
    }
  }

  /** source(param) → parity → report: parity's output is the same for every even parameter. */
  public static final class Cached implements PipelineDefinition {
    private final int value;

    public Cached() {
      this(2);
    }

    Cached(int value) {
      this.value = value;
    }

    static int source(Config c) {
      called("source");
      return c.value();
    }

    static int parity(int x) {
      called("parity");
      return x % 2;
    }

    static String report(int parity) {
      called("report");
      return parity == 0 ? "even" : "odd";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<Integer> s = p.step("source", Cached::source, Param.of(new Config(value)));
      p.step("report", Cached::report, p.step("parity", Cached::parity, s));
    }
  }

  /** Same step names and wiring as {@link Cached}, other code for {@code parity}. */
  public static final class CachedChangedCode implements PipelineDefinition {
    static int parity(int x) {
      called("parity");
      return Math.abs(x % 2);
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<Integer> s = p.step("source", Cached::source, Param.of(new Config(2)));
      p.step("report", Cached::report, p.step("parity", CachedChangedCode::parity, s));
    }
  }

  /** One step that sleeps far beyond its timeout. */
  public static final class Slow implements PipelineDefinition {
    static int sleepy() throws InterruptedException {
      Thread.sleep(30_000);
      return 1;
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("sleepy", Slow::sleepy).configure(s -> s.timeout(Duration.ofMillis(300)));
    }
  }

  /** Six independent steps that record how many run at once. */
  public static final class Wide implements PipelineDefinition {
    static int work() throws InterruptedException {
      int now = running.incrementAndGet();
      maxRunning.accumulateAndGet(now, Math::max);
      Thread.sleep(30);
      running.decrementAndGet();
      return now;
    }

    @Override
    public void define(PipelineBuilder p) {
      for (int i = 0; i < 6; i++) {
        p.step("w" + i, Wide::work);
      }
    }
  }

  /** One step that prints, logs and attaches a visualization. */
  public static final class Talk implements PipelineDefinition {
    @Override
    public void define(PipelineBuilder p) {
      p.step("talk", Isolated::talk);
    }
  }

  /** Prints, logs, attaches a visualization; then a step exits its JVM (subprocesses only!). */
  public static final class Isolated implements PipelineDefinition {
    static String talk() {
      System.out.println("hello from " + StepContext.current().stepName());
      StepContext.current().log().info("pid {}", ProcessHandle.current().pid());
      StepContext.current().visualize(dev.skiff.sdk.Visualization.markdown("notes", "# hi"));
      return "talked";
    }

    static String exits(String in) {
      System.exit(3);
      return in;
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("exits", Isolated::exits, p.step("talk", Isolated::talk));
    }
  }
}
