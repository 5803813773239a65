package dev.skiff.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cancelled attempt must not publish outputs, even where its code cannot be stopped: a thread
 * whose step ignores interrupts runs on after the launcher gave it up, so only the attempt token
 * can keep its outputs out of the store.
 */
@Timeout(60)
class CancelledAttemptFencingTest {
  @TempDir Path dir;
  LocalHarness h;

  static volatile CountDownLatch started;
  static volatile CountDownLatch finished;

  @BeforeEach
  void setUp() {
    started = new CountDownLatch(1);
    finished = new CountDownLatch(1);
    h = new LocalHarness(dir);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  /** Ignores interrupts for 2 s, then returns. */
  static String stubborn() {
    started.countDown();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (System.nanoTime() < end) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException ignored) {
        // careless step code
      }
    }
    finished.countDown();
    return "late";
  }

  public static final class Stubborn implements PipelineDefinition {
    @Override
    public String name() {
      return "stubborn";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("stubborn", CancelledAttemptFencingTest::stubborn);
    }
  }

  @Test
  void aStoppedRunsAttemptThatRunsOnCannotPublishItsOutputs() throws Exception {
    var orchestrator = h.orchestrator(LocalOrchestratorConfig.DEFAULTS);
    var plan = h.compile(new Stubborn(), s -> {});
    CompletableFuture<LocalOrchestrator.Result> run =
        CompletableFuture.supplyAsync(() -> orchestrator.run(plan, h.listener()));
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

    orchestrator.stop();
    var result = run.get(10, TimeUnit.SECONDS);
    assertThat(result.status()).isEqualTo(RunStatus.STOPPED);
    assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(1000); // its publication, if any, is done

    assertThat(h.step(result.runId(), "stubborn").status()).isEqualTo(StepStatus.STOPPED);
    assertThat(h.store.stepOutputs(result.runId(), "stubborn"))
        .as("outputs of the stopped attempt")
        .isEmpty();
  }
}
