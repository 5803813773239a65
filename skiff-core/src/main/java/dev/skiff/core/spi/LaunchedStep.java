package dev.skiff.core.spi;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A started attempt. {@link #result()} completes with the step's data outputs (output name to
 * artifact) or exceptionally, preferably with a {@link StepFailedException}.
 */
public interface LaunchedStep {
  CompletableFuture<Map<String, ArtifactRecord>> result();

  /** Stops the attempt (timeout, stop of the run); its result then completes exceptionally. */
  void cancel();
}
