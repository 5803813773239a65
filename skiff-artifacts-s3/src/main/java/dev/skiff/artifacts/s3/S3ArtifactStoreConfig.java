package dev.skiff.artifacts.s3;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Configuration of the {@code s3} artifact store flavor. Keys may be written camelCase, snake_case
 * or kebab-case; any text key may be a secret reference {@code {{secret.NAME.KEY}}}, resolved
 * before this record is built.
 *
 * @param path {@code s3://BUCKET} or {@code s3://BUCKET/PREFIX} (required): blobs are the objects
 *     {@code PREFIX/<blob path>}
 * @param region the bucket's region; default: the AWS region chain ({@code AWS_REGION}, the
 *     profile; without {@code endpoint} also instance metadata), else {@code us-east-1}
 * @param endpoint URL of an S3-compatible server such as {@code http://127.0.0.1:9000}; default:
 *     AWS S3 of {@code region}
 * @param pathStyle requests as {@code ENDPOINT/BUCKET/KEY} rather than {@code BUCKET.ENDPOINT/KEY},
 *     as most S3-compatible servers need; default false
 * @param accessKeyId access key; with {@code secretAccessKey}, or neither: then the AWS default
 *     credentials chain applies (environment, profile, web identity such as IRSA, instance
 *     metadata)
 * @param secretAccessKey secret key that goes with {@code accessKeyId}
 * @param sessionToken session token of temporary keys; only with both keys
 * @param checksums when the client adds CRC checksums to uploads and checks them on downloads;
 *     default {@code when_required} with an {@code endpoint} (many S3-compatible servers store
 *     checksum trailers verbatim or reject them), else {@code when_supported}
 * @param chunkedEncoding whether bodies are sent as signed {@code aws-chunked} streams; false sends
 *     plain bodies (for servers that store the chunk framing); default true
 */
public record S3ArtifactStoreConfig(
    String path,
    String region,
    String endpoint,
    Boolean pathStyle,
    String accessKeyId,
    String secretAccessKey,
    String sessionToken,
    Checksums checksums,
    Boolean chunkedEncoding) {

  private static final String SCHEME = "s3://";

  /** AWS's rules for bucket names that work in every region and with virtual-host requests. */
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  private static final Pattern REGION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** When checksums are computed on uploads and validated on downloads. */
  public enum Checksums {
    /** On every request that supports one: uploads carry a CRC trailer, downloads are checked. */
    WHEN_SUPPORTED,
    /** Only where the S3 API demands one (e.g. DeleteObjects). */
    WHEN_REQUIRED
  }

  public S3ArtifactStoreConfig {
    path = blankToNull(path);
    region = blankToNull(region);
    endpoint = blankToNull(endpoint);
    accessKeyId = blankToNull(accessKeyId);
    secretAccessKey = blankToNull(secretAccessKey);
    sessionToken = blankToNull(sessionToken);
    path = checkPath(path);
    if (region != null && !REGION.matcher(region).matches()) {
      throw new IllegalArgumentException(
          "region must be a region name such as eu-west-1, got '" + region + "'");
    }
    endpoint = checkEndpoint(endpoint);
    if (accessKeyId != null && secretAccessKey == null) {
      throw new IllegalArgumentException(
          "accessKeyId is set but secretAccessKey is not: set both (e.g. --secret-access-key={{secret.aws.secret_access_key}}),"
              + " or neither to use the AWS default credentials chain");
    }
    if (secretAccessKey != null && accessKeyId == null) {
      throw new IllegalArgumentException(
          "secretAccessKey is set but accessKeyId is not: set both (e.g. --access-key-id={{secret.aws.access_key_id}}),"
              + " or neither to use the AWS default credentials chain");
    }
    if (sessionToken != null && accessKeyId == null) {
      throw new IllegalArgumentException(
          "sessionToken is set without accessKeyId and secretAccessKey: a session token only goes with temporary keys");
    }
    if (pathStyle == null) {
      pathStyle = false;
    }
    if (checksums == null) {
      checksums = endpoint == null ? Checksums.WHEN_SUPPORTED : Checksums.WHEN_REQUIRED;
    }
    if (chunkedEncoding == null) {
      chunkedEncoding = true;
    }
  }

  /** A store at {@code path} (AWS S3, default region and credentials chain). */
  public S3ArtifactStoreConfig(String path) {
    this(path, null, null, null, null, null, null, null, null);
  }

  /**
   * A store on an S3-compatible server with path-style requests and fixed keys, other keys default.
   */
  public static S3ArtifactStoreConfig forServer(
      String path, String endpoint, String accessKeyId, String secretAccessKey) {
    return new S3ArtifactStoreConfig(
        path, null, endpoint, true, accessKeyId, secretAccessKey, null, null, null);
  }

  /** The bucket named in {@link #path()}. */
  public String bucket() {
    String rest = path.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    return slash < 0 ? rest : rest.substring(0, slash);
  }

  /** The key prefix named in {@link #path()}, without slashes at either end; "" for none. */
  public String prefix() {
    String rest = path.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    return slash < 0 ? "" : rest.substring(slash + 1);
  }

  /** Whether keys are configured (otherwise the AWS default credentials chain applies). */
  public boolean hasKeys() {
    return accessKeyId != null;
  }

  /** Copy with other keys; for tests and tools. */
  public S3ArtifactStoreConfig withKeys(
      String accessKeyId, String secretAccessKey, String sessionToken) {
    return new S3ArtifactStoreConfig(
        path,
        region,
        endpoint,
        pathStyle,
        accessKeyId,
        secretAccessKey,
        sessionToken,
        checksums,
        chunkedEncoding);
  }

  /** Copy with other transfer settings; for tests and tools. */
  public S3ArtifactStoreConfig withTransfer(Checksums checksums, Boolean chunkedEncoding) {
    return new S3ArtifactStoreConfig(
        path,
        region,
        endpoint,
        pathStyle,
        accessKeyId,
        secretAccessKey,
        sessionToken,
        checksums,
        chunkedEncoding);
  }

  /** Copy at another path; for tests and tools. */
  public S3ArtifactStoreConfig withPath(String path) {
    return new S3ArtifactStoreConfig(
        path,
        region,
        endpoint,
        pathStyle,
        accessKeyId,
        secretAccessKey,
        sessionToken,
        checksums,
        chunkedEncoding);
  }

  /** Shows whether keys are set, never their values. */
  @Override
  public String toString() {
    return "S3ArtifactStoreConfig[path="
        + path
        + ", region="
        + region
        + ", endpoint="
        + endpoint
        + ", pathStyle="
        + pathStyle
        + ", accessKeyId="
        + shown(accessKeyId)
        + ", secretAccessKey="
        + shown(secretAccessKey)
        + ", sessionToken="
        + shown(sessionToken)
        + ", checksums="
        + checksums.name().toLowerCase(Locale.ROOT)
        + ", chunkedEncoding="
        + chunkedEncoding
        + "]";
  }

  private static String shown(String secret) {
    return secret == null ? "none" : "(set)";
  }

  /** The path normalized to {@code s3://bucket} or {@code s3://bucket/a/b}. */
  private static String checkPath(String path) {
    if (path == null) {
      throw new IllegalArgumentException(
          "path is required: the bucket and an optional prefix, such as --path=s3://my-bucket/skiff");
    }
    if (!path.startsWith(SCHEME)) {
      throw new IllegalArgumentException(
          "path must be an S3 address such as s3://my-bucket/skiff, got '" + path + "'");
    }
    String rest = path.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String prefix = slash < 0 ? "" : rest.substring(slash + 1);
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
      throw new IllegalArgumentException(
          "path names the bucket '"
              + bucket
              + "', which is not a valid bucket name: 3 to 63 lower-case letters, digits, '.' or '-',"
              + " starting and ending with a letter or digit (e.g. s3://my-bucket/skiff)");
    }
    while (prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    if (!prefix.isEmpty()) {
      for (String segment : prefix.split("/", -1)) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          throw new IllegalArgumentException(
              "the prefix of path '" + path + "' has an empty, '.' or '..' segment");
        }
      }
      if (prefix
          .chars()
          .anyMatch(c -> c == '\\' || c == '?' || c == '#' || Character.isISOControl(c))) {
        throw new IllegalArgumentException(
            "the prefix of path '" + path + "' has a backslash, '?', '#' or a control character");
      }
    }
    return SCHEME + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
  }

  /** The endpoint without a trailing slash; http(s), a host, no credentials, query or fragment. */
  private static String checkEndpoint(String endpoint) {
    if (endpoint == null) {
      return null;
    }
    String hint =
        "endpoint must be the URL of an S3-compatible server such as http://127.0.0.1:9000";
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(hint + ", got '" + endpoint + "'");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException(hint + ", got '" + endpoint + "'");
    }
    if (uri.getRawUserInfo() != null) {
      // don't echo it: it may hold a password
      throw new IllegalArgumentException(
          "endpoint must not hold credentials: set accessKeyId and secretAccessKey instead");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          hint + " without a query or fragment, got '" + endpoint + "'");
    }
    String normalized = endpoint;
    while (normalized.endsWith("/")) {
      normalized = normalized.substring(0, normalized.length() - 1);
    }
    return normalized;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
