package dev.skiff.artifacts.s3;

import dev.skiff.core.spi.ArtifactStore;

/**
 * The contract (corruption and s3proxy exceptions as in the parent) for a store that is a whole
 * bucket: object keys are the blob paths themselves.
 */
class S3WholeBucketContractTest extends S3ArtifactStoreContractTest {
  @Override
  protected ArtifactStore newStore() {
    return new S3ArtifactStore(TestStores.freshBucket());
  }
}
