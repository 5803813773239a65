package dev.skiff.artifacts.s3.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * The stream a blob writer fills. A blob that fits in one part goes up as one PutObject when the
 * writer is done; a larger one becomes a multipart upload whose parts are sent as they fill. At
 * most two part buffers are alive: while one part uploads the next fills, and when that one is full
 * too it starts uploading at once, the writer waiting for the older upload to free its buffer (so a
 * writer faster than the network keeps two uploads going). Nothing is visible until {@link
 * #complete()}; {@link #abort(Throwable)} cancels the multipart upload. Not thread-safe: one writer
 * thread, like any OutputStream.
 */
public final class ObjectWriter extends OutputStream {
  private static final String CONTENT_TYPE = "application/octet-stream";

  /** Small blobs (most artifacts) never allocate a whole part: the buffer grows from here. */
  private static final int FIRST_BUFFER = 64 * 1024;

  /**
   * Sends parts while the writer fills the next one; daemon threads, so they never hold the JVM.
   */
  private static final ExecutorService UPLOADS =
      Executors.newCachedThreadPool(
          new ThreadFactory() {
            private final AtomicInteger count = new AtomicInteger();

            @Override
            public Thread newThread(Runnable r) {
              Thread t = new Thread(r, "skiff-s3-upload-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            }
          });

  /** A part being uploaded and the buffer it is read from. */
  private record InFlight(Future<CompletedPart> upload, byte[] buffer) {}

  private final S3Client client;
  private final String bucket;
  private final String key;
  private final int partSize;
  private final boolean checksums;
  private final String where;

  /** Parts being uploaded, oldest first: at most two, with their buffers. */
  private final Deque<InFlight> inFlight = new ArrayDeque<>();

  private final List<CompletedPart> parts = new ArrayList<>();

  private byte[] buffer;
  private int size;
  private String uploadId;
  private boolean closed;
  private boolean finished;

  /**
   * @param checksums whether parts carry CRC32 checksums (the store's {@code when_supported})
   * @param where the endpoint or region, for messages
   */
  public ObjectWriter(
      S3Client client, String bucket, String key, int partSize, boolean checksums, String where) {
    this.client = client;
    this.bucket = bucket;
    this.key = key;
    this.partSize = partSize;
    this.checksums = checksums;
    this.where = where;
    this.buffer = new byte[Math.min(FIRST_BUFFER, partSize)];
  }

  @Override
  public void write(int b) throws IOException {
    ensureOpen();
    if (size == buffer.length) {
      makeRoom();
    }
    buffer[size++] = (byte) b;
  }

  @Override
  public void write(byte[] bytes, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, bytes.length);
    ensureOpen();
    while (len > 0) {
      if (size == buffer.length) {
        makeRoom();
      }
      int n = Math.min(len, buffer.length - size);
      System.arraycopy(bytes, off, buffer, size, n);
      size += n;
      off += n;
      len -= n;
    }
  }

  /**
   * Nothing to do: bytes go up part by part, and the object appears only on {@link #complete()}.
   */
  @Override
  public void flush() {}

  /** Refuses further writes; publishing is {@link #complete()}, called once the writer returns. */
  @Override
  public void close() {
    closed = true;
  }

  /** Publishes the object: one PutObject, or the last part and CompleteMultipartUpload. */
  public void complete() throws IOException {
    if (finished) {
      throw new IOException("the write of s3://" + bucket + "/" + key + " is already finished");
    }
    finished = true;
    closed = true;
    if (uploadId == null) {
      byte[] bytes = buffer;
      int n = size;
      try {
        client.putObject(
            b -> b.bucket(bucket).key(key).contentLength((long) n).contentType(CONTENT_TYPE),
            RequestBody.fromContentProvider(
                () -> new ByteArrayInputStream(bytes, 0, n), n, CONTENT_TYPE));
      } catch (SdkException e) {
        throw S3Errors.io("write s3://" + bucket + "/" + key, e, where);
      } finally {
        release();
      }
      return;
    }
    sendPart(true);
    while (!inFlight.isEmpty()) {
      awaitOldest();
    }
    List<CompletedPart> done = List.copyOf(parts);
    try {
      client.completeMultipartUpload(
          b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(done)));
    } catch (SdkException e) {
      throw S3Errors.io("complete the upload of s3://" + bucket + "/" + key, e, where);
    } finally {
      release();
    }
  }

  /**
   * Gives up: waits for the part in flight and aborts the multipart upload, so nothing stays
   * behind. A failure to abort is added to {@code cause} as suppressed.
   */
  public void abort(Throwable cause) {
    finished = true;
    closed = true;
    for (InFlight part : inFlight) {
      try {
        part.upload().get();
      } catch (ExecutionException e) {
        // the upload is being aborted anyway
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    inFlight.clear();
    if (uploadId != null) {
      try {
        client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
      } catch (SdkException e) {
        cause.addSuppressed(
            S3Errors.io(
                "abort the upload of s3://"
                    + bucket
                    + "/"
                    + key
                    + " (an abandoned upload stays invisible; a lifecycle rule or the store's check removes it)",
                e,
                where));
      }
    }
    release();
  }

  private void makeRoom() throws IOException {
    if (buffer.length < partSize) {
      buffer = Arrays.copyOf(buffer, (int) Math.min(partSize, 2L * buffer.length));
    } else {
      try {
        sendPart(false);
      } catch (IOException e) {
        closed = true; // the writer may catch this; its next write must not pretend to work
        throw e;
      }
    }
  }

  /**
   * Starts uploading the buffer as the next part, then takes a buffer for the part after it (unless
   * {@code last}): a new one while only this part is in flight, else the buffer of the oldest
   * upload once it is done.
   */
  private void sendPart(boolean last) throws IOException {
    if (uploadId == null) {
      try {
        uploadId =
            client
                .createMultipartUpload(
                    b -> {
                      b.bucket(bucket).key(key).contentType(CONTENT_TYPE);
                      if (checksums) {
                        b.checksumAlgorithm(ChecksumAlgorithm.CRC32);
                      }
                    })
                .uploadId();
      } catch (SdkException e) {
        throw S3Errors.io("start the upload of s3://" + bucket + "/" + key, e, where);
      }
    }
    int number = parts.size() + inFlight.size() + 1;
    byte[] bytes = buffer;
    int n = size;
    inFlight.add(new InFlight(UPLOADS.submit(() -> uploadPart(number, bytes, n)), bytes));
    buffer = null;
    size = 0;
    if (!last) {
      buffer = inFlight.size() < 2 ? new byte[partSize] : awaitOldest();
    }
  }

  /** Waits for the oldest part in flight and records it; returns its buffer for reuse. */
  private byte[] awaitOldest() throws IOException {
    InFlight oldest = inFlight.poll();
    int number = parts.size() + 1;
    try {
      parts.add(oldest.upload().get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while uploading s3://" + bucket + "/" + key);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof SdkException sdk) {
        throw S3Errors.io("upload part " + number + " of s3://" + bucket + "/" + key, sdk, where);
      }
      throw new IOException(
          "cannot upload part " + number + " of s3://" + bucket + "/" + key + ": " + cause, cause);
    }
    return oldest.buffer();
  }

  private CompletedPart uploadPart(int number, byte[] bytes, int n) {
    UploadPartResponse response =
        client.uploadPart(
            b -> {
              b.bucket(bucket)
                  .key(key)
                  .uploadId(uploadId)
                  .partNumber(number)
                  .contentLength((long) n);
              if (checksums) {
                b.checksumAlgorithm(ChecksumAlgorithm.CRC32);
              }
            },
            RequestBody.fromContentProvider(
                () -> new ByteArrayInputStream(bytes, 0, n), n, CONTENT_TYPE));
    return CompletedPart.builder()
        .partNumber(number)
        .eTag(response.eTag())
        .checksumCRC32(response.checksumCRC32())
        .build();
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the stream of s3://" + bucket + "/" + key + " is closed");
    }
  }

  private void release() {
    buffer = null;
    size = 0;
  }
}
