package dev.skiff.artifacts;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;

/**
 * Shared pieces of the binary artifact formats: a 4-byte magic and a 1-byte version up front,
 * big-endian values (what {@link DataOutputStream} writes), and bulk copies of primitive arrays in
 * 64 KiB chunks so that large arrays don't go through one call per element.
 */
final class BinaryFormat {
  static final int CHUNK_BYTES = 64 * 1024;

  /**
   * Arrays whose header claims more than this many bytes are read into a buffer that grows as the
   * data arrives, so a corrupt header can't make us allocate gigabytes for a tiny file.
   */
  private static final int TRUSTED_ALLOCATION_BYTES = 16 * 1024 * 1024;

  private BinaryFormat() {}

  /** Copies {@code count} elements starting at {@code from} into the start of {@code chunk}. */
  @FunctionalInterface
  interface Encoder {
    void encode(ByteBuffer chunk, int from, int count);
  }

  /**
   * Copies {@code count} elements from the start of {@code chunk} into {@code array} at {@code at}.
   */
  @FunctionalInterface
  interface Decoder {
    void decode(ByteBuffer chunk, Object array, int at, int count) throws IOException;
  }

  static DataOutputStream output(OutputStream out) {
    return new DataOutputStream(new BufferedOutputStream(out, CHUNK_BYTES));
  }

  static DataInputStream input(InputStream in) {
    return new DataInputStream(new BufferedInputStream(in, CHUNK_BYTES));
  }

  static void writeHeader(DataOutputStream out, int magic, int version) throws IOException {
    out.writeInt(magic);
    out.writeByte(version);
  }

  /** Reads and checks the magic and version; {@code format} names the format in messages. */
  static void readHeader(DataInputStream in, int magic, int version, String format)
      throws IOException {
    int actualMagic = readInt(in, format, "header");
    if (actualMagic != magic) {
      throw new IOException(
          "not a " + format + " artifact: bad magic 0x" + Integer.toHexString(actualMagic));
    }
    int actualVersion = readUnsignedByte(in, format, "header");
    if (actualVersion != version) {
      throw new IOException(
          format + " artifact has format version " + actualVersion + ", expected " + version);
    }
  }

  static int readInt(DataInputStream in, String format, String what) throws IOException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw truncated(format, what, e);
    }
  }

  static int readUnsignedByte(DataInputStream in, String format, String what) throws IOException {
    try {
      return in.readUnsignedByte();
    } catch (EOFException e) {
      throw truncated(format, what, e);
    }
  }

  /** Reads a length field and checks that it is not negative. */
  static int readLength(DataInputStream in, String format, String what) throws IOException {
    int n = readInt(in, format, what);
    if (n < 0) {
      throw new IOException("corrupt " + format + " artifact: negative " + what + " " + n);
    }
    return n;
  }

  /** Fails unless the input is at its end: trailing bytes mean a corrupt or mismatched artifact. */
  static void expectEnd(InputStream in, String format) throws IOException {
    if (in.read() != -1) {
      throw new IOException("corrupt " + format + " artifact: unexpected bytes after the data");
    }
  }

  /** The value's class for error messages. */
  static String describe(Object value) {
    return value == null ? "null" : value.getClass().getTypeName();
  }

  static EOFException truncated(String format, String what, Throwable cause) {
    EOFException e =
        new EOFException("truncated " + format + " artifact: input ended in the " + what);
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  /** A whole number of elements, at most {@link #CHUNK_BYTES} and no more than needed. */
  private static int chunkBytes(int count, int elementBytes) {
    return (int) Math.min(CHUNK_BYTES, Math.max(elementBytes, (long) count * elementBytes));
  }

  /** Writes {@code count} elements of {@code elementBytes} bytes each, chunk by chunk. */
  static void writeElements(OutputStream out, int count, int elementBytes, Encoder encoder)
      throws IOException {
    byte[] bytes = new byte[chunkBytes(count, elementBytes)];
    ByteBuffer chunk = ByteBuffer.wrap(bytes);
    int perChunk = bytes.length / elementBytes;
    for (int i = 0; i < count; i += perChunk) {
      int n = Math.min(perChunk, count - i);
      encoder.encode(chunk, i, n);
      out.write(bytes, 0, n * elementBytes);
    }
  }

  /**
   * Reads {@code count} elements into a new array of {@code componentType}. A truncated input fails
   * with an {@link EOFException} that says how many elements were expected and found.
   */
  static Object readElements(
      InputStream in,
      int count,
      Class<?> componentType,
      int elementBytes,
      Decoder decoder,
      String format)
      throws IOException {
    int capacity =
        (long) count * elementBytes <= TRUSTED_ALLOCATION_BYTES
            ? count
            : TRUSTED_ALLOCATION_BYTES / elementBytes;
    Object array = Array.newInstance(componentType, capacity);
    byte[] bytes = new byte[chunkBytes(count, elementBytes)];
    ByteBuffer chunk = ByteBuffer.wrap(bytes);
    int perChunk = bytes.length / elementBytes;
    for (int i = 0; i < count; i += perChunk) {
      int n = Math.min(perChunk, count - i);
      int read = in.readNBytes(bytes, 0, n * elementBytes);
      if (read < n * elementBytes) {
        throw new EOFException(
            "truncated "
                + format
                + " artifact: expected "
                + count
                + " values, input ended after "
                + (i + read / elementBytes));
      }
      if (i + n > capacity) {
        capacity = (int) Math.min(count, Math.max(2L * capacity, i + n));
        Object bigger = Array.newInstance(componentType, capacity);
        System.arraycopy(array, 0, bigger, 0, i);
        array = bigger;
      }
      decoder.decode(chunk, array, i, n);
    }
    return array;
  }

  // Writers and readers per element type, used by ArrayMaterializer and MatrixMaterializer.

  static void writeDoubles(OutputStream out, double[] a) throws IOException {
    writeElements(out, a.length, Double.BYTES, (c, from, n) -> c.asDoubleBuffer().put(a, from, n));
  }

  static double[] readDoubles(InputStream in, int count, String format) throws IOException {
    return (double[])
        readElements(
            in,
            count,
            double.class,
            Double.BYTES,
            (c, a, at, n) -> c.asDoubleBuffer().get((double[]) a, at, n),
            format);
  }
}
