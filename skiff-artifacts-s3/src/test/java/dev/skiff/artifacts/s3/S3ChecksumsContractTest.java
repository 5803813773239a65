package dev.skiff.artifacts.s3;

import dev.skiff.artifacts.s3.S3ArtifactStoreConfig.Checksums;
import dev.skiff.core.spi.ArtifactStore;

/**
 * The contract (corruption and s3proxy exceptions as in the parent) with checksums on every request
 * (CRC32 parts) and plain, not aws-chunked, bodies.
 */
class S3ChecksumsContractTest extends S3ArtifactStoreContractTest {
  @Override
  protected ArtifactStore newStore() {
    return new S3ArtifactStore(
        TestStores.freshPrefix().withTransfer(Checksums.WHEN_SUPPORTED, false));
  }
}
