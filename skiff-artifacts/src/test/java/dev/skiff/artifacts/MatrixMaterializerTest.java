package dev.skiff.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.sdk.Matrix;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MatrixMaterializerTest {
  private final MatrixMaterializer materializer = new MatrixMaterializer();

  /** The size of the digits data set: 1797 images of 8x8 pixels. */
  static Matrix digitsSized() {
    Random random = new Random(7);
    double[] values = new double[1797 * 64];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextInt(17);
    }
    return Matrix.of(1797, 64, values);
  }

  @Test
  void roundTripsADigitsSizedMatrix() throws IOException {
    Matrix matrix = digitsSized();
    assertThat(Bytes.roundTrip(materializer, matrix, Matrix.class)).isEqualTo(matrix);
    assertThat(Bytes.write(materializer, matrix, Matrix.class))
        .hasSize(4 + 1 + 4 + 4 + 1797 * 64 * 8);
  }

  @Test
  void roundTripsEdgeCases() throws IOException {
    for (Matrix matrix :
        new Matrix[] {
          Matrix.of(0, 0, new double[0]),
          Matrix.of(0, 5, new double[0]),
          Matrix.of(5, 0, new double[0]),
          Matrix.of(1, 1, new double[] {-0.0}),
          Matrix.of(
              new double[][] {
                {Double.NaN, Double.POSITIVE_INFINITY}, {Double.NEGATIVE_INFINITY, Double.MIN_VALUE}
              })
        }) {
      Matrix back = (Matrix) Bytes.roundTrip(materializer, matrix, Matrix.class);
      assertThat(back.rows()).isEqualTo(matrix.rows());
      assertThat(back.cols()).isEqualTo(matrix.cols());
      assertThat(back).isEqualTo(matrix);
    }
  }

  @Test
  void writesTheDocumentedFormat() throws IOException {
    byte[] bytes = Bytes.write(materializer, Matrix.of(2, 1, new double[] {1, 2}), Matrix.class);
    ByteBuffer expected =
        ByteBuffer.allocate(4 + 1 + 4 + 4 + 16)
            .putInt(0x534B464D)
            .put((byte) 1)
            .putInt(2)
            .putInt(1)
            .putDouble(1)
            .putDouble(2);
    assertThat(bytes).isEqualTo(expected.array());
  }

  @Test
  void rejectsEveryTruncation() throws IOException {
    Bytes.assertEveryTruncationFails(
        materializer, Matrix.of(2, 2, new double[] {1, 2, 3, Double.NaN}), Matrix.class);
    byte[] big = Bytes.write(materializer, digitsSized(), Matrix.class);
    assertThatThrownBy(() -> Bytes.read(materializer, Matrix.class, Arrays.copyOf(big, 500_000)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("truncated skiff.matrix/v1 artifact: expected 115008 values");
  }

  @Test
  void refusesCorruptInput() throws IOException {
    byte[] array = Bytes.write(new ArrayMaterializer(), new double[] {1}, double[].class);
    assertThatThrownBy(() -> Bytes.read(materializer, Matrix.class, array))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a skiff.matrix/v1 artifact: bad magic");
    assertThatThrownBy(() -> Bytes.read(materializer, Matrix.class, header(-1, 2)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("negative row count");
    assertThatThrownBy(() -> Bytes.read(materializer, Matrix.class, header(1 << 20, 1 << 20)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("too large");
    byte[] trailing = Arrays.copyOf(header(1, 1), 13 + 8 + 1);
    assertThatThrownBy(() -> Bytes.read(materializer, Matrix.class, trailing))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unexpected bytes after the data");
  }

  @Test
  void supportsOnlyMatrix() {
    assertThat(materializer.supports(Matrix.class)).isTrue();
    assertThat(materializer.supports(double[][].class)).isFalse();
    assertThatThrownBy(() -> Bytes.write(materializer, new double[0][0], Matrix.class))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] header(int rows, int cols) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(MatrixMaterializer.MAGIC);
    out.writeByte(MatrixMaterializer.VERSION);
    out.writeInt(rows);
    out.writeInt(cols);
    return bytes.toByteArray();
  }
}
