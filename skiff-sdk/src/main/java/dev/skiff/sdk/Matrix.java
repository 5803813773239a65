package dev.skiff.sdk;

import java.util.Arrays;

/**
 * A dense matrix of doubles in row-major order: the usual feature matrix of a step. Immutable;
 * stored compactly (binary) as an artifact.
 */
public final class Matrix {
  private final int rows;
  private final int cols;
  private final double[] data;

  private Matrix(int rows, int cols, double[] data) {
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  /** A matrix over a copy of {@code data}, which holds {@code rows * cols} values row by row. */
  public static Matrix of(int rows, int cols, double[] data) {
    if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
      throw new IllegalArgumentException(
          "matrix of "
              + rows
              + "x"
              + cols
              + " needs "
              + ((long) rows * cols)
              + " values, got "
              + data.length);
    }
    return new Matrix(rows, cols, data.clone());
  }

  public static Matrix of(double[][] values) {
    int cols = values.length == 0 ? 0 : values[0].length;
    double[] data = new double[values.length * cols];
    for (int r = 0; r < values.length; r++) {
      if (values[r].length != cols) {
        throw new IllegalArgumentException(
            "row " + r + " has " + values[r].length + " columns, expected " + cols);
      }
      System.arraycopy(values[r], 0, data, r * cols, cols);
    }
    return new Matrix(values.length, cols, data);
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  public double get(int row, int col) {
    return data[row * cols + col];
  }

  public double[] row(int row) {
    return Arrays.copyOfRange(data, row * cols, (row + 1) * cols);
  }

  public double[] column(int col) {
    double[] out = new double[rows];
    for (int r = 0; r < rows; r++) {
      out[r] = data[r * cols + col];
    }
    return out;
  }

  /** A copy of the values, row by row. */
  public double[] toArray() {
    return data.clone();
  }

  /** The rows at the given indices, in that order. */
  public Matrix selectRows(int[] indices) {
    double[] out = new double[indices.length * cols];
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(data, indices[i] * cols, out, i * cols, cols);
    }
    return new Matrix(indices.length, cols, out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Matrix m && m.rows == rows && m.cols == cols && Arrays.equals(m.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * rows + cols) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Matrix[" + rows + "x" + cols + "]";
  }
}
