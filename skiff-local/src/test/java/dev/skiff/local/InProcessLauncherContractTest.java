package dev.skiff.local;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.StepExecutor;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StepLauncher;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.StepLauncherContractTest;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher contract on threads of this JVM, with a real SQLite store and local artifact store.
 */
class InProcessLauncherContractTest extends StepLauncherContractTest {
  @TempDir static Path dir;
  MetadataStore store;
  ArtifactStore artifacts;

  @BeforeAll
  void openStores() throws IOException {
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
    artifacts = new LocalArtifactStore(dir.resolve("artifacts"));
  }

  @AfterAll
  void closeStores() {
    store.close();
  }

  @Override
  protected MetadataStore store() {
    return store;
  }

  @Override
  protected StepLauncher newLauncher(RunPlan plan, String runId) {
    ClassLoader loader = getClass().getClassLoader();
    return new InProcessLauncher(
        new StepExecutor(store, artifacts, Materializers.load(loader), loader));
  }

  @Override
  protected void loseInfrastructure(RunningAttempt attempt) {
    assumeTrue(
        false,
        "a thread has no infrastructure of its own to lose: only the whole JVM, with its orchestrator");
  }
}
