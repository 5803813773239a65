package dev.skiff.artifacts.s3.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * An object's bytes as they arrive. SDK failures while reading (a dropped connection, a checksum
 * that does not match) become {@link IOException}s; closing before the end drops the connection
 * instead of reading the rest of a large object.
 */
public final class ObjectInput extends FilterInputStream {
  private final ResponseInputStream<?> response;
  private final String name;
  private boolean ended;

  public ObjectInput(ResponseInputStream<?> response, String name) {
    super(response);
    this.response = response;
    this.name = name;
  }

  @Override
  public int read() throws IOException {
    try {
      int b = in.read();
      ended |= b < 0;
      return b;
    } catch (SdkException e) {
      throw new IOException("cannot read " + name + ": " + S3Errors.reason(e, name), e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      int n = in.read(b, off, len);
      ended |= n < 0;
      return n;
    } catch (SdkException e) {
      throw new IOException("cannot read " + name + ": " + S3Errors.reason(e, name), e);
    }
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public void close() throws IOException {
    if (!ended) {
      response.abort();
    }
    try {
      in.close();
    } catch (SdkException e) {
      // closing an aborted response may complain; the bytes were not wanted
    }
  }
}
