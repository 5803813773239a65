package dev.skiff.artifacts.s3;

import dev.skiff.artifacts.s3.S3ArtifactStoreConfig.Checksums;
import dev.skiff.core.ArtifactStore;
import dev.skiff.testing.ArtifactStoreContractTest;
import java.io.IOException;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** The contract with checksums on every request (CRC32 parts) and plain, not aws-chunked, bodies. */
class S3ChecksumsContractTest extends ArtifactStoreContractTest {
  @Override
  protected ArtifactStore newStore() {
    return new S3ArtifactStore(TestStores.freshPrefix().withTransfer(Checksums.WHEN_SUPPORTED, false));
  }

  @Override
  protected void corrupt(ArtifactStore store, String path) throws IOException {
    flipAByteThroughTheStore(store, path);
  }

  @Test
  @Disabled(S3ArtifactStoreContractTest.S3PROXY_KEY_BELOW_OBJECT)
  @Override
  public void aPathBelowABlobIsNoBlob() {}
}
