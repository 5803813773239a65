package dev.skiff.local;

import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.LaunchedStep;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.StepFailedException;
import dev.skiff.core.spi.StepLaunch;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.local.internal.StepClassArchive;
import dev.skiff.local.internal.StepProcessMain;
import dev.skiff.sdk.FailureKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Runs each step attempt in its own JVM, as a step pod would: a crash, {@code System.exit} or
 * leaked memory in one step cannot touch another. The child reads the plan and inputs from the same
 * stores (reached through {@link StoreAccess}, in its environment) and records its outputs there.
 * Step JVMs share a class-data-sharing archive per class path ({@link StepClassArchive}), which the
 * first one writes.
 */
public final class SubprocessLauncher implements StepLauncher {
  private final MetadataStore store;
  private final StoreAccess stores;
  private final String classpath;
  private final List<String> jvmArgs;
  private final UnaryOperator<String> secrets;
  private final Map<List<String>, Optional<StepClassArchive>> archives = new ConcurrentHashMap<>();

  /**
   * @param classpath class path of the child JVMs: Skiff, its backends and the user's code
   * @param jvmArgs extra JVM flags, e.g. {@code -Xmx2g}, for steps whose plan holds no resolved
   *     {@code orchestrator.local} settings (plans compiled without a stack); otherwise each step's
   *     own resolved {@code jvmArgs} apply
   */
  public SubprocessLauncher(
      MetadataStore store, StoreAccess stores, String classpath, List<String> jvmArgs) {
    this(store, stores, classpath, jvmArgs, OrchestratorContext.NO_SECRETS);
  }

  /**
   * @param secrets resolves secret references {@code {{secret.NAME.KEY}}} in the JVM flags (as
   *     resolved into the plan from the component configuration, pipeline and step settings), just
   *     before each step JVM starts: the plan keeps the references
   */
  public SubprocessLauncher(
      MetadataStore store,
      StoreAccess stores,
      String classpath,
      List<String> jvmArgs,
      UnaryOperator<String> secrets) {
    this.store = store;
    this.stores = stores;
    this.classpath = classpath;
    this.jvmArgs = List.copyOf(jvmArgs);
    this.secrets = secrets;
  }

  @Override
  public LaunchedStep launch(StepLaunch launch) {
    List<String> cmd = new ArrayList<>();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    cmd.add(java.toString());
    List<String> args = stepJvmArgs(launch);
    StepClassArchive.Use cds =
        archives
            .computeIfAbsent(
                args, a -> Optional.ofNullable(StepClassArchive.of(java, classpath, a)))
            .map(StepClassArchive::next)
            .orElse(null);
    if (cds != null) {
      cmd.addAll(cds.jvmArgs());
    }
    args.forEach(a -> cmd.add(secrets.apply(a)));
    cmd.addAll(
        List.of(
            "-cp",
            classpath,
            StepProcessMain.class.getName(),
            launch.runId(),
            launch.step().name(),
            String.valueOf(launch.attempt())));
    if (launch.token() != null) {
      cmd.add(launch.token());
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(stores.environment());
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      if (cds != null) {
        cds.exited(-1);
      }
      throw new StepFailedException(
          FailureKind.INFRASTRUCTURE,
          "cannot start a JVM for step '" + launch.step().name() + "': " + e.getMessage(),
          e);
    }
    CompletableFuture<Map<String, ArtifactRecord>> result = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> follow(process, launch, cds, result),
            "skiff-step-process-" + launch.step().name());
    reader.setDaemon(true);
    reader.start();
    return new LaunchedStep() {
      @Override
      public CompletableFuture<Map<String, ArtifactRecord>> result() {
        return result;
      }

      @Override
      public void cancel() {
        result.completeExceptionally(new StepFailedException(FailureKind.CANCELLED, "cancelled"));
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    };
  }

  /**
   * The step's JVM flags: its resolved {@code orchestrator.local} settings in the plan (secret
   * references unresolved).
   */
  private List<String> stepJvmArgs(StepLaunch launch) {
    return launch
        .step()
        .setting(LocalOrchestratorFlavor.SETTINGS_KEY, LocalOrchestratorConfig.class)
        .map(LocalOrchestratorConfig::jvmArgs)
        .orElse(jvmArgs);
  }

  private void follow(
      Process process,
      StepLaunch launch,
      StepClassArchive.Use cds,
      CompletableFuture<Map<String, ArtifactRecord>> result) {
    String failure = null;
    int code = -1;
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(StepProcessMain.FAILURE_MARKER)) {
          failure = line.substring(StepProcessMain.FAILURE_MARKER.length());
        } else {
          launch.log().line(line);
        }
      }
      code = process.waitFor();
      if (cds != null) {
        cds.exited(
            code); // before the result: the next step JVMs may use the archive this one wrote
        cds = null;
      }
      if (code == 0) {
        result.complete(
            ArtifactRecord.dataOnly(store.stepOutputs(launch.runId(), launch.step().name())));
      } else {
        result.completeExceptionally(
            failure != null
                ? StepFailedException.fromReport(failure)
                : code > 128
                    ? new StepFailedException(
                        FailureKind.INFRASTRUCTURE,
                        "the step process was killed (signal " + (code - 128) + ")")
                    : new StepFailedException("step process exited with code " + code));
      }
    } catch (IOException | RuntimeException e) {
      result.completeExceptionally(
          new StepFailedException(
              FailureKind.INFRASTRUCTURE, "lost the step process: " + e.getMessage(), e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result.completeExceptionally(
          new StepFailedException(FailureKind.CANCELLED, "interrupted", e));
    } finally {
      if (cds != null) {
        cds.exited(code);
      }
    }
  }
}
