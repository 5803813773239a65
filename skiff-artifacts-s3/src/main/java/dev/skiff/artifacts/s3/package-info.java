/**
 * The {@code s3} artifact store: artifacts and step logs in an S3 bucket or on an S3-compatible
 * server (MinIO, Ceph RGW, s3proxy). {@link dev.skiff.artifacts.s3.S3ArtifactStoreFlavor} is found
 * through {@link java.util.ServiceLoader}; {@link dev.skiff.artifacts.s3.S3ArtifactStoreConfig}
 * holds the keys users set.
 */
package dev.skiff.artifacts.s3;
