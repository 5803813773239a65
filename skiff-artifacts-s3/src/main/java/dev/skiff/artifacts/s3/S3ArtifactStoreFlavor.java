package dev.skiff.artifacts.s3;

import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.ArtifactStoreFlavor;

/** The {@code s3} artifact store: a bucket on AWS S3 or an S3-compatible server. */
public final class S3ArtifactStoreFlavor implements ArtifactStoreFlavor<S3ArtifactStoreConfig> {
  @Override
  public String name() {
    return "s3";
  }

  @Override
  public String description() {
    return "Artifacts in an S3 bucket or on an S3-compatible server (MinIO, Ceph, s3proxy)";
  }

  @Override
  public Class<S3ArtifactStoreConfig> configType() {
    return S3ArtifactStoreConfig.class;
  }

  /** Needs no network: the client is made on the store's first request. */
  @Override
  public ArtifactStore open(S3ArtifactStoreConfig config) {
    return new S3ArtifactStore(config);
  }
}
