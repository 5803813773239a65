package dev.skiff.artifacts.s3;

import dev.skiff.core.ArtifactStore;
import dev.skiff.testing.ArtifactStoreContractTest;
import java.io.IOException;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** The contract for a store that is a whole bucket: object keys are the blob paths themselves. */
class S3WholeBucketContractTest extends ArtifactStoreContractTest {
  @Override
  protected ArtifactStore newStore() {
    return new S3ArtifactStore(TestStores.freshBucket());
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
