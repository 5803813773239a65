package dev.skiff.local;

import dev.skiff.core.engine.StepExecutor;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.LaunchedStep;
import dev.skiff.core.spi.StepLaunch;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.local.internal.ConsoleCapture;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs each step attempt on its own thread of this JVM: the fastest launcher, with no isolation
 * between steps. What steps print goes to their step log.
 */
public final class InProcessLauncher implements StepLauncher {
  private final StepExecutor executor;
  private final ExecutorService threads;

  public InProcessLauncher(StepExecutor executor) {
    this.executor = executor;
    AtomicInteger n = new AtomicInteger();
    this.threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "skiff-step-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    ConsoleCapture.install();
  }

  @Override
  public LaunchedStep launch(StepLaunch launch) {
    CompletableFuture<Map<String, ArtifactRecord>> result = new CompletableFuture<>();
    Future<?> task =
        threads.submit(
            () -> {
              ConsoleCapture.bind(launch.log());
              try {
                result.complete(
                    executor.execute(
                        launch.plan(),
                        launch.runId(),
                        launch.step(),
                        launch.attempt(),
                        launch.log(),
                        launch.token()));
              } catch (Throwable t) {
                result.completeExceptionally(t);
              } finally {
                ConsoleCapture.unbind();
              }
            });
    return new LaunchedStep() {
      @Override
      public CompletableFuture<Map<String, ArtifactRecord>> result() {
        return result;
      }

      @Override
      public void cancel() {
        // ends the attempt now, whether or not the step's code heeds the interrupt
        result.completeExceptionally(
            new dev.skiff.core.spi.StepFailedException(
                dev.skiff.sdk.FailureKind.CANCELLED, "cancelled"));
        task.cancel(true);
      }
    };
  }

  @Override
  public void close() {
    threads.shutdownNow();
    ConsoleCapture.uninstall();
  }
}
