package dev.skiff.artifacts;

import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.testing.ArtifactStoreContractTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The local store passes the artifact store contract. */
class LocalArtifactStoreContractTest extends ArtifactStoreContractTest {
  @TempDir Path dir;

  @Override
  protected ArtifactStore newStore() throws IOException {
    return new LocalArtifactStore(dir.resolve("store"));
  }

  /** Flips a byte of the file in place, as a failing disk or a stray editor would. */
  @Override
  protected void corrupt(ArtifactStore store, String path) throws IOException {
    Path file = store.localFile(path).orElseThrow();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= (byte) 0xff;
    Files.write(file, bytes);
  }
}
