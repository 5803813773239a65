package dev.skiff.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.StepLauncherContractTest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher contract on step JVMs (this JVM's class path), which reach the same SQLite store and
 * local artifact store through their environment.
 */
class SubprocessLauncherContractTest extends StepLauncherContractTest {
  @TempDir static Path dir;
  MetadataStore store;
  StoreAccess access;

  @BeforeAll
  void openStore() {
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
    access =
        new StoreAccess(
            "jdbc:sqlite:" + dir.resolve("skiff.db"),
            null,
            dir.resolve("artifacts").toUri().toString());
  }

  @AfterAll
  void closeStore() {
    store.close();
  }

  @Override
  protected MetadataStore store() {
    return store;
  }

  @Override
  protected StepLauncher newLauncher(RunPlan plan, String runId) {
    return new SubprocessLauncher(store, access, System.getProperty("java.class.path"), List.of());
  }

  /** kill -9 of the step JVM. */
  @Override
  protected void loseInfrastructure(RunningAttempt attempt) {
    assertThat(attempt.pid())
        .as("a step JVM, not this one")
        .isNotEqualTo(ProcessHandle.current().pid());
    ProcessHandle step = ProcessHandle.of(attempt.pid()).orElseThrow();
    assertThat(step.parent().map(ProcessHandle::pid))
        .as("a child of this JVM")
        .contains(ProcessHandle.current().pid());
    step.destroyForcibly();
  }
}
