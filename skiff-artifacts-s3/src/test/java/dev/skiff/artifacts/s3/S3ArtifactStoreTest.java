package dev.skiff.artifacts.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.artifacts.s3.S3ArtifactStoreConfig.Checksums;
import dev.skiff.core.spi.ArtifactStoreException;
import dev.skiff.testing.s3.S3Server;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/** What only the s3 store does: stored bytes, multipart aborts, the check's messages. */
@Timeout(120)
class S3ArtifactStoreTest {
  private static S3Server s3;
  private static S3Client raw;

  @BeforeAll
  static void server() {
    s3 = TestStores.server();
    raw = TestStores.rawClient();
  }

  @AfterAll
  static void closeRaw() {
    raw.close();
  }

  static Stream<Arguments> transfers() {
    return Stream.of(
        Arguments.of(
            "defaults for an endpoint (checksums when_required, aws-chunked bodies)", null, null),
        Arguments.of("plain bodies", null, false),
        Arguments.of("checksums when_supported (CRC trailers)", Checksums.WHEN_SUPPORTED, null),
        Arguments.of("checksums when_supported, plain bodies", Checksums.WHEN_SUPPORTED, false));
  }

  /**
   * Since SDK 2.30 uploads may carry CRC trailers in aws-chunked bodies, which some servers store
   * verbatim: the object on the server's disk, and as a plain client reads it, must be the
   * artifact's bytes, for one-request and multipart writes.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("transfers")
  void theServerStoresExactlyTheArtifactBytes(String name, Checksums checksums, Boolean chunked)
      throws IOException {
    S3ArtifactStoreConfig config = TestStores.freshPrefix().withTransfer(checksums, chunked);
    assertThat(config.checksums())
        .isEqualTo(checksums == null ? Checksums.WHEN_REQUIRED : checksums);
    try (S3ArtifactStore store = new S3ArtifactStore(config)) {
      for (int size :
          List.of(
              0, 3_000_000, S3ArtifactStore.PART_SIZE, 2 * S3ArtifactStore.PART_SIZE + 12_345)) {
        byte[] artifact = generated(size, size);
        String path = "runs/r1/s/1/blob-" + size;
        store.write(path, out -> out.write(artifact));

        String key = config.prefix() + "/" + path;
        assertThat(Files.readAllBytes(s3.objectFile(config.bucket(), key)))
            .as("%s bytes on the server's disk", size)
            .isEqualTo(artifact);
        assertThat(raw.getObjectAsBytes(b -> b.bucket(config.bucket()).key(key)).asByteArray())
            .as("%s bytes read by a plain client", size)
            .isEqualTo(artifact);
        assertThat(store.open(path).readAllBytes()).isEqualTo(artifact);
      }
    }
  }

  @Test
  void aWriterThatThrowsMidMultipartLeavesNoObjectAndNoUpload() throws IOException {
    S3ArtifactStoreConfig config = TestStores.freshPrefix();
    try (S3ArtifactStore store = new S3ArtifactStore(config)) {
      assertThatThrownBy(
              () ->
                  store.write(
                      "runs/r1/train/1/model",
                      out -> {
                        out.write(generated(1, 3 * S3ArtifactStore.PART_SIZE + 1));
                        throw new IllegalStateException("killed mid-write");
                      }))
          .hasMessage("killed mid-write");

      assertThat(store.exists("runs/r1/train/1/model")).isFalse();
      assertThat(store.list("")).isEmpty();
      assertThat(uploads(config)).isEmpty();
    }
  }

  @Test
  void checkAbortsOnlyUploadsOfWritersThatDiedLongAgo() {
    S3ArtifactStoreConfig config = TestStores.freshPrefix();
    String key = config.prefix() + "/runs/r1/train/1/model";
    // a writer killed outright (kill -9) leaves its upload behind
    raw.createMultipartUpload(b -> b.bucket(config.bucket()).key(key));
    try (S3ArtifactStore store = new S3ArtifactStore(config)) {
      store.check();
      assertThat(uploads(config)).as("a day has not passed").hasSize(1);

      assertThat(store.abortUploadsOlderThan(Duration.ZERO)).isEqualTo(1);

      assertThat(uploads(config)).isEmpty();
    }
  }

  @Test
  void checkNamesAnUnreachableEndpoint() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort(); // closed again: nothing listens there
    }
    String endpoint = "http://127.0.0.1:" + port;
    S3ArtifactStore store =
        new S3ArtifactStore(
            S3ArtifactStoreConfig.forServer(
                "s3://skiff-tests/x",
                endpoint,
                "AKIDEXAMPLE",
                "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY"));

    assertThat(store.uri())
        .isEqualTo("s3://skiff-tests/x?endpoint=" + endpoint); // opening needed no network
    assertCheckFails(
        store,
        "cannot reach the S3 endpoint "
            + endpoint
            + " (connection refused): check --endpoint and that the server is running");
  }

  @Test
  void checkNamesAnUnknownHost() {
    S3ArtifactStore store =
        new S3ArtifactStore(
            S3ArtifactStoreConfig.forServer(
                "s3://skiff-tests/x",
                "http://no-such-host.invalid:9000",
                "AKIDEXAMPLE",
                "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY"));

    assertCheckFails(
        store,
        "cannot reach the S3 endpoint http://no-such-host.invalid:9000 (unknown host no-such-host.invalid): check --endpoint and that the server is running");
  }

  @Test
  void checkNamesAMissingBucket() {
    S3ArtifactStore store =
        new S3ArtifactStore(
            S3ArtifactStoreConfig.forServer(
                "s3://no-such-bucket/skiff", s3.endpoint(), s3.accessKey(), s3.secretKey()));

    assertCheckFails(
        store,
        "bucket 'no-such-bucket' does not exist at the S3 endpoint "
            + s3.endpoint()
            + ": create it, or fix the bucket in --path");
  }

  @Test
  void checkNamesAWrongSecretKey() {
    S3ArtifactStore store =
        new S3ArtifactStore(
            S3ArtifactStoreConfig.forServer(
                "s3://skiff-tests/x",
                s3.endpoint(),
                s3.accessKey(),
                "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY"));

    assertCheckFails(
        store,
        "the S3 endpoint "
            + s3.endpoint()
            + " refused the request signature: the secret access key does not match the access key id;"
            + " fix --access-key-id and --secret-access-key (or the secret they refer to)");
  }

  @Test
  void checkNamesAnUnknownAccessKey() {
    S3ArtifactStore store =
        new S3ArtifactStore(
            S3ArtifactStoreConfig.forServer(
                "s3://skiff-tests/x",
                s3.endpoint(),
                "AKIDUNKNOWNKEY",
                "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY"));

    assertCheckFails(
        store,
        "the S3 endpoint "
            + s3.endpoint()
            + " does not know the access key id: fix --access-key-id and --secret-access-key (or the secret they refer to)");
  }

  @Test
  void writesFailWithOneLineWhenTheKeysAreWrong() {
    S3ArtifactStore store =
        new S3ArtifactStore(
            S3ArtifactStoreConfig.forServer(
                "s3://skiff-tests/x",
                s3.endpoint(),
                s3.accessKey(),
                "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY"));

    assertThatThrownBy(() -> store.write("a", out -> out.write(1)))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("cannot write s3://skiff-tests/x/a: HTTP 403 SignatureDoesNotMatch")
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .doesNotContain("wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY")
                    .doesNotContain("\n"));
  }

  @Test
  void theConfigurationNeverShowsItsKeys() {
    S3ArtifactStoreConfig config =
        new S3ArtifactStoreConfig(
            "s3://b-1/p",
            "eu-west-1",
            null,
            null,
            "AKIDEXAMPLE",
            "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY",
            "TOKEN-SECRET-123",
            null,
            null);
    S3ArtifactStore store = new S3ArtifactStore(config);

    assertThat(config.toString() + store)
        .doesNotContain("AKIDEXAMPLE")
        .doesNotContain("wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY")
        .doesNotContain("TOKEN-SECRET-123");
    assertThat(config.toString()).contains("secretAccessKey=(set)");
  }

  /** The message is one line, says the given text, and holds no key. */
  private static void assertCheckFails(S3ArtifactStore store, String message) {
    assertThatThrownBy(store::check)
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessage(message)
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .doesNotContain("\n")
                    .doesNotContain("wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY"));
  }

  private static List<MultipartUpload> uploads(S3ArtifactStoreConfig config) {
    return raw.listMultipartUploads(b -> b.bucket(config.bucket()).prefix(config.prefix() + "/"))
        .uploads();
  }

  private static byte[] generated(long seed, int size) {
    byte[] bytes = new byte[size];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }
}
