package dev.skiff.artifacts.s3;

import dev.skiff.artifacts.s3.S3ArtifactStoreConfig.Checksums;
import dev.skiff.testing.s3.S3Server;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Stores and raw clients on the JVM's shared s3proxy, each test in a prefix or bucket of its own.
 */
final class TestStores {
  static final String BUCKET = "skiff-tests";
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private TestStores() {}

  static S3Server server() {
    S3Server server = S3Server.shared();
    server.createBucket(BUCKET);
    return server;
  }

  /**
   * A configuration for a new prefix of the test bucket, with the store's defaults for a server.
   */
  static S3ArtifactStoreConfig freshPrefix() {
    S3Server s3 = server();
    return S3ArtifactStoreConfig.forServer(
        "s3://" + BUCKET + "/t-" + UUID.randomUUID(),
        s3.endpoint(),
        s3.accessKey(),
        s3.secretKey());
  }

  /** A configuration for a new, empty bucket used without a prefix. */
  static S3ArtifactStoreConfig freshBucket() {
    S3Server s3 = server();
    String bucket =
        s3.createBucket(
            "whole-"
                + BUCKETS.incrementAndGet()
                + "-"
                + UUID.randomUUID().toString().substring(0, 8));
    return S3ArtifactStoreConfig.forServer(
        "s3://" + bucket, s3.endpoint(), s3.accessKey(), s3.secretKey());
  }

  /**
   * A plain SDK client on the server that neither adds nor checks checksums: it sees the stored
   * bytes as they are.
   */
  static S3Client rawClient() {
    return S3Clients.create(freshPrefix().withTransfer(Checksums.WHEN_REQUIRED, false));
  }
}
