package dev.skiff.artifacts;

import dev.skiff.sdk.Materializer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Primitive arrays ({@code boolean[] byte[] short[] char[] int[] long[] float[] double[]}) and
 * {@code double[][]} (ragged rows allowed) in a compact binary form.
 *
 * <p>Format {@value #ID}, all big-endian: the magic {@code "SKFA"}, a version byte (1), the element
 * type as its JVM descriptor letter ({@code Z B S C I J F D}), the rank (1 or 2), then for rank 1
 * the length (int) and the raw values, and for rank 2 the number of rows (int) and each row as its
 * length and raw values. Booleans take one byte (0 or 1); floats and doubles keep their exact bits.
 */
public final class ArrayMaterializer implements Materializer {
  public static final String ID = "skiff.array/v1";

  static final int MAGIC = 0x534B4641; // "SKFA"
  static final int VERSION = 1;

  public ArrayMaterializer() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public boolean supports(Type type) {
    return type == double[][].class || Kind.of(type) != null;
  }

  /** Above JSON, which could also write arrays but far less compactly. */
  @Override
  public int priority() {
    return 90;
  }

  @Override
  public void write(Object value, Type type, OutputStream out) throws IOException {
    if (!supports(type)) {
      throw new IllegalArgumentException(ID + " does not support " + type.getTypeName());
    }
    if (!((Class<?>) type).isInstance(value)) {
      throw new IllegalArgumentException(
          "expected " + type.getTypeName() + ", got " + BinaryFormat.describe(value));
    }
    DataOutputStream data = BinaryFormat.output(out);
    BinaryFormat.writeHeader(data, MAGIC, VERSION);
    if (type == double[][].class) {
      double[][] rows = (double[][]) value;
      for (int r = 0; r < rows.length; r++) {
        if (rows[r] == null) {
          throw new IllegalArgumentException("row " + r + " of the double[][] is null");
        }
      }
      data.writeByte(Kind.DOUBLE.tag);
      data.writeByte(2);
      data.writeInt(rows.length);
      for (double[] row : rows) {
        data.writeInt(row.length);
        Kind.DOUBLE.writeValues(data, row);
      }
    } else {
      Kind kind = Kind.of(type);
      data.writeByte(kind.tag);
      data.writeByte(1);
      data.writeInt(Array.getLength(value));
      kind.writeValues(data, value);
    }
    data.flush();
  }

  @Override
  public Object read(Type type, InputStream in) throws IOException {
    if (!supports(type)) {
      throw new IllegalArgumentException(ID + " does not support " + type.getTypeName());
    }
    DataInputStream data = BinaryFormat.input(in);
    BinaryFormat.readHeader(data, MAGIC, VERSION, ID);
    int tag = BinaryFormat.readUnsignedByte(data, ID, "header");
    int rank = BinaryFormat.readUnsignedByte(data, ID, "header");
    Kind stored = Kind.ofTag(tag);
    if (stored == null || rank < 1 || rank > 2 || (rank == 2 && stored != Kind.DOUBLE)) {
      throw new IOException(
          "corrupt " + ID + " artifact: unknown element type '" + (char) tag + "' of rank " + rank);
    }
    String storedName = stored.arrayClass.getComponentType().getName() + "[]".repeat(rank);
    if (!storedName.equals(((Class<?>) type).getTypeName())) {
      throw new IOException(
          ID + " artifact holds type " + storedName + ", not " + type.getTypeName());
    }
    Object result;
    if (rank == 2) {
      int rowCount = BinaryFormat.readLength(data, ID, "row count");
      // Grow as rows arrive rather than trusting the header with a huge allocation.
      double[][] rows = new double[Math.min(rowCount, 1024)][];
      for (int r = 0; r < rowCount; r++) {
        if (r == rows.length) {
          rows = Arrays.copyOf(rows, (int) Math.min(rowCount, 2L * rows.length));
        }
        int length = BinaryFormat.readLength(data, ID, "length of row " + r);
        rows[r] = (double[]) Kind.DOUBLE.readValues(data, length);
      }
      result = rows;
    } else {
      int length = BinaryFormat.readLength(data, ID, "array length");
      result = stored.readValues(data, length);
    }
    BinaryFormat.expectEnd(data, ID);
    return result;
  }

  @Override
  public String toString() {
    return ID;
  }

  /** The one-dimensional array types, with their descriptor letter and element size. */
  private enum Kind {
    BOOLEAN('Z', boolean[].class, 1) {
      @Override
      void encode(Object a, ByteBuffer c, int from, int n) {
        boolean[] values = (boolean[]) a;
        byte[] bytes = c.array();
        for (int i = 0; i < n; i++) {
          bytes[i] = values[from + i] ? (byte) 1 : (byte) 0;
        }
      }

      @Override
      void decode(ByteBuffer c, Object a, int at, int n) throws IOException {
        boolean[] values = (boolean[]) a;
        byte[] bytes = c.array();
        for (int i = 0; i < n; i++) {
          if (bytes[i] != 0 && bytes[i] != 1) {
            throw new IOException(
                "corrupt " + ID + " artifact: boolean byte " + bytes[i] + " at " + (at + i));
          }
          values[at + i] = bytes[i] == 1;
        }
      }
    },
    BYTE('B', byte[].class, 1) {
      @Override
      void encode(Object a, ByteBuffer c, int from, int n) {
        System.arraycopy((byte[]) a, from, c.array(), 0, n);
      }

      @Override
      void decode(ByteBuffer c, Object a, int at, int n) {
        System.arraycopy(c.array(), 0, (byte[]) a, at, n);
      }
    },
    SHORT('S', short[].class, Short.BYTES) {
      @Override
      void encode(Object a, ByteBuffer c, int from, int n) {
        c.asShortBuffer().put((short[]) a, from, n);
      }

      @Override
      void decode(ByteBuffer c, Object a, int at, int n) {
        c.asShortBuffer().get((short[]) a, at, n);
      }
    },
    CHAR('C', char[].class, Character.BYTES) {
      @Override
      void encode(Object a, ByteBuffer c, int from, int n) {
        c.asCharBuffer().put((char[]) a, from, n);
      }

      @Override
      void decode(ByteBuffer c, Object a, int at, int n) {
        c.asCharBuffer().get((char[]) a, at, n);
      }
    },
    INT('I', int[].class, Integer.BYTES) {
      @Override
      void encode(Object a, ByteBuffer c, int from, int n) {
        c.asIntBuffer().put((int[]) a, from, n);
      }

      @Override
      void decode(ByteBuffer c, Object a, int at, int n) {
        c.asIntBuffer().get((int[]) a, at, n);
      }
    },
    LONG('J', long[].class, Long.BYTES) {
      @Override
      void encode(Object a, ByteBuffer c, int from, int n) {
        c.asLongBuffer().put((long[]) a, from, n);
      }

      @Override
      void decode(ByteBuffer c, Object a, int at, int n) {
        c.asLongBuffer().get((long[]) a, at, n);
      }
    },
    FLOAT('F', float[].class, Float.BYTES) {
      @Override
      void encode(Object a, ByteBuffer c, int from, int n) {
        c.asFloatBuffer().put((float[]) a, from, n);
      }

      @Override
      void decode(ByteBuffer c, Object a, int at, int n) {
        c.asFloatBuffer().get((float[]) a, at, n);
      }
    },
    DOUBLE('D', double[].class, Double.BYTES) {
      @Override
      void encode(Object a, ByteBuffer c, int from, int n) {
        c.asDoubleBuffer().put((double[]) a, from, n);
      }

      @Override
      void decode(ByteBuffer c, Object a, int at, int n) {
        c.asDoubleBuffer().get((double[]) a, at, n);
      }
    };

    final byte tag;
    final Class<?> arrayClass;
    final int elementBytes;

    Kind(char tag, Class<?> arrayClass, int elementBytes) {
      this.tag = (byte) tag;
      this.arrayClass = arrayClass;
      this.elementBytes = elementBytes;
    }

    static Kind of(Type type) {
      for (Kind kind : values()) {
        if (kind.arrayClass == type) {
          return kind;
        }
      }
      return null;
    }

    static Kind ofTag(int tag) {
      for (Kind kind : values()) {
        if (kind.tag == tag) {
          return kind;
        }
      }
      return null;
    }

    abstract void encode(Object array, ByteBuffer chunk, int from, int count);

    abstract void decode(ByteBuffer chunk, Object array, int at, int count) throws IOException;

    void writeValues(OutputStream out, Object array) throws IOException {
      BinaryFormat.writeElements(
          out, Array.getLength(array), elementBytes, (c, from, n) -> encode(array, c, from, n));
    }

    Object readValues(InputStream in, int count) throws IOException {
      return BinaryFormat.readElements(
          in, count, arrayClass.getComponentType(), elementBytes, this::decode, ID);
    }
  }
}
