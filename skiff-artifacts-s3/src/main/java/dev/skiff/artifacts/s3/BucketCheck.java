package dev.skiff.artifacts.s3;

import dev.skiff.artifacts.s3.internal.S3Errors;
import dev.skiff.core.spi.ArtifactStoreException;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * The store's check: one HeadBucket, and on refusal one ListObjectsV2 whose error body says why (a
 * HEAD response has none). Then it aborts multipart uploads of writers that died.
 */
public final class BucketCheck {
  /** Uploads started longer ago belong to writers that were killed: no write takes a day. */
  public static final Duration ABANDONED_AFTER = Duration.ofDays(1);

  private final S3Client client;
  private final S3ArtifactStoreConfig config;
  private final String where;

  /** The ListObjectsV2 error after a refused HeadBucket: it has a code that says why. */
  private SdkException refusal;

  public BucketCheck(S3Client client, S3ArtifactStoreConfig config, Region region) {
    this.client = client;
    this.config = config;
    this.where = S3Clients.where(config, region);
  }

  /** Throws {@link ArtifactStoreException} with a one-line message naming the fix. */
  public void run() {
    try {
      client.headBucket(b -> b.bucket(config.bucket()));
    } catch (SdkException e) {
      if (S3Errors.status(e) == 403 && listAllowed()) {
        return; // a policy may refuse HEAD on the bucket yet allow what the store does
      }
      throw failure(e);
    }
  }

  /**
   * Aborts the multipart uploads under the store's prefix started more than {@code age} ago; best
   * effort (the credentials may not allow listing uploads). Returns how many it aborted.
   */
  public int abortUploadsOlderThan(Duration age) {
    Instant cutoff = Instant.now().minus(age);
    String prefix = config.prefix().isEmpty() ? "" : config.prefix() + "/";
    int aborted = 0;
    try {
      for (MultipartUpload upload :
          client
              .listMultipartUploadsPaginator(b -> b.bucket(config.bucket()).prefix(prefix))
              .uploads()) {
        if (upload.initiated() != null && !upload.initiated().isAfter(cutoff)) {
          try {
            client.abortMultipartUpload(
                b -> b.bucket(config.bucket()).key(upload.key()).uploadId(upload.uploadId()));
            aborted++;
          } catch (SdkException e) {
            // gone already, or not allowed: the bucket's lifecycle rule is the safety net
          }
        }
      }
    } catch (SdkException e) {
      // listing uploads is not allowed everywhere: the check itself passed
    }
    return aborted;
  }

  private boolean listAllowed() {
    try {
      client.listObjectsV2(
          b ->
              b.bucket(config.bucket())
                  .maxKeys(1)
                  .prefix(config.prefix().isEmpty() ? "" : config.prefix() + "/"));
      return true;
    } catch (SdkException e) {
      refusal = e;
      return false;
    }
  }

  private ArtifactStoreException failure(SdkException e) {
    String bucket = config.bucket();
    String unreachable = S3Errors.unreachable(e);
    if (unreachable != null) {
      return new ArtifactStoreException(
          config.endpoint() != null
              ? "cannot reach the S3 endpoint "
                  + config.endpoint()
                  + " ("
                  + unreachable
                  + "): check --endpoint and that the server is running"
              : "cannot reach "
                  + where
                  + " ("
                  + unreachable
                  + "): check the network (and a proxy) and --region",
          e);
    }
    if (S3Errors.noCredentials(e)) {
      return new ArtifactStoreException(
          "no AWS credentials for the artifact store "
              + config.path()
              + ": set --access-key-id and --secret-access-key (as secret references),"
              + " or give this machine credentials through the AWS default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, an ~/.aws profile,"
              + " web identity such as IRSA, instance metadata)",
          e);
    }
    int status = S3Errors.status(e);
    if (status == 404) {
      return new ArtifactStoreException(
          "bucket '"
              + bucket
              + "' does not exist at "
              + where
              + ": create it, or fix the bucket in --path",
          e);
    }
    String bucketRegion = bucketRegion(e);
    if ((status == 301 || status == 400) && bucketRegion != null) {
      return new ArtifactStoreException(
          "bucket '"
              + bucket
              + "' is in region "
              + bucketRegion
              + ", not the configured one: set --region="
              + bucketRegion,
          e);
    }
    if (status == 403) {
      return refused(refusal != null ? refusal : e);
    }
    return new ArtifactStoreException(
        "cannot use bucket '"
            + bucket
            + "' at "
            + where
            + " ("
            + S3Errors.reason(e, where)
            + "): check --path, --endpoint and --region",
        e);
  }

  private ArtifactStoreException refused(SdkException e) {
    String code = S3Errors.code(e);
    String keys =
        config.hasKeys()
            ? "--access-key-id and --secret-access-key (or the secret they refer to)"
            : "the credentials the AWS default chain finds on this machine";
    String message =
        switch (code) {
          case "InvalidAccessKeyId" -> where + " does not know the access key id: fix " + keys;
          case "SignatureDoesNotMatch" ->
              where
                  + " refused the request signature: the secret access key does not match the access key id; fix "
                  + keys;
          case "ExpiredToken", "TokenRefreshRequired", "InvalidToken" ->
              where
                  + " refused the session token ("
                  + code
                  + "): renew the temporary credentials"
                  + (config.hasKeys() ? " (--session-token)" : "");
          default ->
              "access to bucket '"
                  + config.bucket()
                  + "' at "
                  + where
                  + " is denied"
                  + (code.isEmpty() || code.equals("AccessDenied") ? "" : " (" + code + ")")
                  + " for "
                  + (config.hasKeys()
                      ? "the configured keys"
                      : "the credentials of the AWS default chain")
                  + ": allow them s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject and s3:AbortMultipartUpload on it, or fix "
                  + keys;
        };
    return new ArtifactStoreException(message, e);
  }

  private static String bucketRegion(SdkException e) {
    if (e instanceof AwsServiceException s
        && s.awsErrorDetails() != null
        && s.awsErrorDetails().sdkHttpResponse() != null) {
      return s.awsErrorDetails()
          .sdkHttpResponse()
          .firstMatchingHeader("x-amz-bucket-region")
          .orElse(null);
    }
    return null;
  }
}
