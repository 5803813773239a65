package dev.skiff.artifacts.s3;

import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.testing.ArtifactStoreContractTest;
import java.io.IOException;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The s3 store passes the artifact store contract on an in-process s3proxy: each test in a prefix
 * of its own, with the defaults for an S3-compatible server (checksums when required, aws-chunked
 * bodies).
 */
class S3ArtifactStoreContractTest extends ArtifactStoreContractTest {
  static final String S3PROXY_KEY_BELOW_OBJECT =
      "s3proxy's filesystem backend answers HTTP 500 for a key below an existing object's key (x/y/z when x/y is a file); real S3 answers 404";

  @Override
  protected ArtifactStore newStore() {
    return new S3ArtifactStore(TestStores.freshPrefix());
  }

  /** Overwrites the object with one byte flipped, through the store itself. */
  @Override
  protected void corrupt(ArtifactStore store, String path) throws IOException {
    flipAByteThroughTheStore(store, path);
  }

  @Test
  @Disabled(S3PROXY_KEY_BELOW_OBJECT)
  @Override
  public void aPathBelowABlobIsNoBlob() {}
}
