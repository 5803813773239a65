package dev.skiff.artifacts;

import dev.skiff.sdk.Materializer;
import dev.skiff.sdk.Matrix;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Type;

/**
 * {@link Matrix} in a compact binary form.
 *
 * <p>Format {@value #ID}, all big-endian: the magic {@code "SKFM"}, a version byte (1), the number
 * of rows and of columns (ints), then the {@code rows * cols} doubles row by row with their exact
 * bits. A 1797x64 matrix takes 920,077 bytes.
 */
public final class MatrixMaterializer implements Materializer {
  public static final String ID = "skiff.matrix/v1";

  static final int MAGIC = 0x534B464D; // "SKFM"
  static final int VERSION = 1;

  public MatrixMaterializer() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public boolean supports(Type type) {
    return type == Matrix.class;
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public void write(Object value, Type type, OutputStream out) throws IOException {
    if (!supports(type)) {
      throw new IllegalArgumentException(ID + " does not support " + type.getTypeName());
    }
    if (!(value instanceof Matrix matrix)) {
      throw new IllegalArgumentException(
          "expected " + Matrix.class.getName() + ", got " + BinaryFormat.describe(value));
    }
    DataOutputStream data = BinaryFormat.output(out);
    BinaryFormat.writeHeader(data, MAGIC, VERSION);
    data.writeInt(matrix.rows());
    data.writeInt(matrix.cols());
    BinaryFormat.writeDoubles(data, matrix.toArray());
    data.flush();
  }

  @Override
  public Object read(Type type, InputStream in) throws IOException {
    if (!supports(type)) {
      throw new IllegalArgumentException(ID + " does not support " + type.getTypeName());
    }
    DataInputStream data = BinaryFormat.input(in);
    BinaryFormat.readHeader(data, MAGIC, VERSION, ID);
    int rows = BinaryFormat.readLength(data, ID, "row count");
    int cols = BinaryFormat.readLength(data, ID, "column count");
    long size = (long) rows * cols;
    if (size > Integer.MAX_VALUE - 8) {
      throw new IOException(
          "corrupt " + ID + " artifact: " + rows + "x" + cols + " is too large for a matrix");
    }
    double[] values = BinaryFormat.readDoubles(data, (int) size, ID);
    BinaryFormat.expectEnd(data, ID);
    return Matrix.of(rows, cols, values);
  }

  @Override
  public String toString() {
    return ID;
  }
}
