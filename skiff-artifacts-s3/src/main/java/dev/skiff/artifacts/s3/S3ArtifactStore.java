package dev.skiff.artifacts.s3;

import dev.skiff.artifacts.s3.S3ArtifactStoreConfig.Checksums;
import dev.skiff.artifacts.s3.internal.BlobPaths;
import dev.skiff.artifacts.s3.internal.LogAppender;
import dev.skiff.artifacts.s3.internal.ObjectInput;
import dev.skiff.artifacts.s3.internal.ObjectWriter;
import dev.skiff.artifacts.s3.internal.S3Errors;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.ArtifactStoreException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ArtifactStore} in an S3 bucket, or on an S3-compatible server. A blob at path {@code p}
 * is the object {@code PREFIX/p} of the bucket.
 *
 * <p>Opening a store needs no network: the client is made on first use. {@link #write} streams: a
 * blob up to {@link #PART_SIZE} goes up as one PutObject when the writer returns; a larger one as a
 * multipart upload, sending each part as it fills (one part in flight while the next fills),
 * completed when the writer returns and aborted when it throws, so a blob is visible whole or not
 * at all. A writer killed outright leaves an invisible upload behind: {@link #check()} aborts those
 * older than a day, and a bucket lifecycle rule should too. {@link #appender} keeps a step log in
 * memory and publishes it whole at most once a second. Objects are stored exactly as written,
 * whatever the checksum and chunked-encoding settings.
 */
public final class S3ArtifactStore implements ArtifactStore, AutoCloseable {
  /** Size of a multipart upload's parts, and the largest blob sent as one PutObject. */
  public static final int PART_SIZE = 8 * 1024 * 1024;

  /**
   * Serializes read-modify-write {@link #append}s of this JVM; striped so the set stays bounded.
   */
  private static final Object[] APPEND_LOCKS = new Object[64];

  static {
    for (int i = 0; i < APPEND_LOCKS.length; i++) {
      APPEND_LOCKS[i] = new Object();
    }
  }

  private final S3ArtifactStoreConfig config;
  private final String bucket;
  private final String prefix;
  private S3Client client;
  private Region region;

  /** A store as {@code config} describes; cheap, no network until the first operation. */
  public S3ArtifactStore(S3ArtifactStoreConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.bucket = config.bucket();
    this.prefix = config.prefix();
  }

  public S3ArtifactStoreConfig config() {
    return config;
  }

  /**
   * {@code s3://bucket/prefix}; with an endpoint {@code s3://bucket/prefix?endpoint=URL}, so cache
   * hits never cross servers that have a bucket of the same name.
   */
  @Override
  public String uri() {
    return config.path() + (config.endpoint() == null ? "" : "?endpoint=" + config.endpoint());
  }

  @Override
  public void write(String path, BlobWriter writer) throws IOException {
    String key = key(path);
    ObjectWriter out =
        new ObjectWriter(
            client(),
            bucket,
            key,
            PART_SIZE,
            config.checksums() == Checksums.WHEN_SUPPORTED,
            where());
    try {
      writer.writeTo(out);
      out.complete();
    } catch (IOException | RuntimeException | Error e) {
      out.abort(e);
      throw e;
    }
  }

  /** The object's bytes as they arrive; {@link NoSuchFileException} when there is none. */
  @Override
  public InputStream open(String path) throws IOException {
    String key = key(path);
    try {
      return new ObjectInput(client().getObject(b -> b.bucket(bucket).key(key)), name(key));
    } catch (SdkException e) {
      if (S3Errors.notFound(e) && !"NoSuchBucket".equals(S3Errors.code(e))) {
        throw new NoSuchFileException(path);
      }
      throw S3Errors.io("read " + name(key), e, where());
    }
  }

  /** One HeadObject; a refused or failed request is an {@link ArtifactStoreException}. */
  @Override
  public boolean exists(String path) {
    String key = key(path);
    try {
      client().headObject(b -> b.bucket(bucket).key(key));
      return true;
    } catch (SdkException e) {
      if (S3Errors.notFound(e)) {
        return false;
      }
      throw new ArtifactStoreException(
          "cannot look up " + name(key) + ": " + S3Errors.reason(e, where()), e);
    }
  }

  /**
   * Blob paths under {@code pathPrefix}, sorted; "folder" placeholder keys ending in '/' are not
   * blobs.
   */
  @Override
  public List<String> list(String pathPrefix) throws IOException {
    String keyPrefix = BlobPaths.listPrefix(prefix, pathPrefix);
    int strip = prefix.isEmpty() ? 0 : prefix.length() + 1;
    List<String> found = new ArrayList<>();
    try {
      for (S3Object object :
          client().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(keyPrefix)).contents()) {
        if (!object.key().endsWith("/")) {
          found.add(object.key().substring(strip));
        }
      }
    } catch (SdkException e) {
      throw S3Errors.io("list " + name(keyPrefix) + "*", e, where());
    }
    found.sort(null);
    return found;
  }

  /**
   * Reads the whole object, adds {@code bytes} and writes it back: correct but slow, for rare
   * callers; step logs use {@link #appender}. Appends of this JVM to one blob are serialized;
   * concurrent appends from other processes may lose each other's bytes.
   */
  @Override
  public void append(String path, byte[] bytes) throws IOException {
    String key = key(path);
    synchronized (APPEND_LOCKS[Math.floorMod(key.hashCode(), APPEND_LOCKS.length)]) {
      byte[] existing = readOrEmpty(path);
      byte[] joined = new byte[existing.length + bytes.length];
      System.arraycopy(existing, 0, joined, 0, existing.length);
      System.arraycopy(bytes, 0, joined, existing.length, bytes.length);
      put(key, joined, joined.length);
    }
  }

  /**
   * A log buffered in memory: it reads the existing object on the first append (a resumed step's
   * earlier log), then publishes the whole log at most once a second while it changes, and on
   * close; appends after close are published by the timer.
   */
  @Override
  public Appender appender(String path) {
    String key = key(path);
    return new LogAppender(
        new LogAppender.Blob() {
          @Override
          public byte[] read() throws IOException {
            return readOrEmpty(path);
          }

          @Override
          public void write(byte[] bytes, int length) throws IOException {
            put(key, bytes, length);
          }
        });
  }

  /** Deletes the object; deleting a missing one is fine. */
  @Override
  public void delete(String path) throws IOException {
    String key = key(path);
    try {
      client().deleteObject(b -> b.bucket(bucket).key(key));
    } catch (SdkException e) {
      if (!S3Errors.notFound(e) || "NoSuchBucket".equals(S3Errors.code(e))) {
        throw S3Errors.io("delete " + name(key), e, where());
      }
    }
  }

  /**
   * One HeadBucket: the endpoint answers, the bucket exists, the credentials are accepted (on a
   * refusal a ListObjectsV2 tells which). Then, best effort, aborts multipart uploads under the
   * prefix started more than a day ago: the leftovers of killed writers.
   */
  @Override
  public void check() {
    BucketCheck check = new BucketCheck(client(), config, region());
    check.run();
    check.abortUploadsOlderThan(BucketCheck.ABANDONED_AFTER);
  }

  /**
   * Aborts multipart uploads under the prefix started more than {@code age} ago; returns how many.
   */
  int abortUploadsOlderThan(Duration age) {
    return new BucketCheck(client(), config, region()).abortUploadsOlderThan(age);
  }

  /** Closes the client, if one was made. */
  @Override
  public synchronized void close() {
    if (client != null) {
      client.close();
      client = null;
    }
  }

  @Override
  public String toString() {
    return "S3ArtifactStore[" + uri() + "]";
  }

  private String key(String path) {
    return BlobPaths.key(prefix, path);
  }

  private String name(String key) {
    return "s3://" + bucket + "/" + key;
  }

  private byte[] readOrEmpty(String path) throws IOException {
    try (InputStream in = open(path)) {
      return in.readAllBytes();
    } catch (NoSuchFileException e) {
      return new byte[0];
    }
  }

  private void put(String key, byte[] bytes, int length) throws IOException {
    try {
      client()
          .putObject(
              b -> b.bucket(bucket).key(key).contentLength((long) length),
              RequestBody.fromContentProvider(
                  () -> new ByteArrayInputStream(bytes, 0, length),
                  length,
                  "application/octet-stream"));
    } catch (SdkException e) {
      throw S3Errors.io("write " + name(key), e, where());
    }
  }

  private String where() {
    return S3Clients.where(config, region());
  }

  private synchronized Region region() {
    if (region == null) {
      region = S3Clients.region(config);
    }
    return region;
  }

  /** The client, made on first use: opening a store must stay cheap and offline. */
  private synchronized S3Client client() {
    if (client == null) {
      client = S3Clients.create(config, region());
    }
    return client;
  }
}
