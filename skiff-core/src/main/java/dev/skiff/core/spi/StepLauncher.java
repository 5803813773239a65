package dev.skiff.core.spi;

/**
 * Runs one attempt of one step somewhere: a thread, a local process, a Kubernetes pod. The
 * scheduler owns ordering, caching, retries and timeouts; a launcher only starts the attempt and
 * reports its end.
 */
public interface StepLauncher extends AutoCloseable {

  /** Starts the attempt without blocking. */
  LaunchedStep launch(StepLaunch launch);

  /** Steps this launcher can run at once; 0 for no limit of its own. */
  default int maxParallelism() {
    return 0;
  }

  @Override
  default void close() {}
}
