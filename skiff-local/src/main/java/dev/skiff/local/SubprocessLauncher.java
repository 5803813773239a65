package dev.skiff.local;

import dev.skiff.core.ArtifactRecord;
import dev.skiff.core.LaunchedStep;
import dev.skiff.core.MetadataStore;
import dev.skiff.core.StepFailedException;
import dev.skiff.core.StepLaunch;
import dev.skiff.core.StepLauncher;
import dev.skiff.core.StoreAccess;
import dev.skiff.local.internal.StepProcessMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs each step attempt in its own JVM, as a step pod would: a crash, {@code System.exit} or
 * leaked memory in one step cannot touch another. The child reads the plan and inputs from the
 * same stores (reached through {@link StoreAccess}, in its environment) and records its outputs there.
 */
public final class SubprocessLauncher implements StepLauncher {
  private final MetadataStore store;
  private final StoreAccess stores;
  private final String classpath;
  private final List<String> jvmArgs;

  /**
   * @param classpath class path of the child JVMs: Skiff, its backends and the user's code
   * @param jvmArgs extra JVM flags, e.g. {@code -Xmx2g}
   */
  public SubprocessLauncher(MetadataStore store, StoreAccess stores, String classpath, List<String> jvmArgs) {
    this.store = store;
    this.stores = stores;
    this.classpath = classpath;
    this.jvmArgs = List.copyOf(jvmArgs);
  }

  @Override
  public LaunchedStep launch(StepLaunch launch) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(stepJvmArgs(launch));
    cmd.addAll(List.of("-cp", classpath, StepProcessMain.class.getName(), launch.runId(), launch.step().name(), String.valueOf(launch.attempt())));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(stores.environment());
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new StepFailedException("cannot start a JVM for step '" + launch.step().name() + "': " + e.getMessage(), e);
    }
    CompletableFuture<Map<String, ArtifactRecord>> result = new CompletableFuture<>();
    Thread reader =
        new Thread(() -> follow(process, launch, result), "skiff-step-process-" + launch.step().name());
    reader.setDaemon(true);
    reader.start();
    return new LaunchedStep() {
      @Override
      public CompletableFuture<Map<String, ArtifactRecord>> result() {
        return result;
      }

      @Override
      public void cancel() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    };
  }

  /** A step's own {@code orchestrator.local} settings may give its JVM other flags. */
  private List<String> stepJvmArgs(StepLaunch launch) {
    var settings = launch.step().settings().get(LocalOrchestratorFlavor.SETTINGS_KEY);
    if (settings == null || !settings.has("jvmArgs")) {
      return jvmArgs;
    }
    List<String> args = new ArrayList<>();
    settings.get("jvmArgs").forEach(a -> args.add(a.asText()));
    return args;
  }

  private void follow(Process process, StepLaunch launch, CompletableFuture<Map<String, ArtifactRecord>> result) {
    String failure = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(StepProcessMain.FAILURE_MARKER)) {
          failure = line.substring(StepProcessMain.FAILURE_MARKER.length());
        } else {
          launch.log().line(line);
        }
      }
      int code = process.waitFor();
      if (code == 0) {
        Map<String, ArtifactRecord> outputs = new LinkedHashMap<>();
        store.stepOutputs(launch.runId(), launch.step().name()).forEach((name, a) -> {
          if (a.kind() == ArtifactRecord.Kind.DATA) {
            outputs.put(name, a);
          }
        });
        result.complete(outputs);
      } else {
        result.completeExceptionally(new StepFailedException(failure != null ? failure : "step process exited with code " + code));
      }
    } catch (IOException | RuntimeException e) {
      result.completeExceptionally(new StepFailedException("lost the step process: " + e.getMessage(), e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result.completeExceptionally(new StepFailedException("interrupted", e));
    }
  }
}
