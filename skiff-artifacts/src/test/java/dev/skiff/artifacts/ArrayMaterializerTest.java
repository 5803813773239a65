package dev.skiff.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ArrayMaterializerTest {
  private final ArrayMaterializer materializer = new ArrayMaterializer();

  static Stream<Arguments> arrays() {
    Random random = new Random(42);
    double[] manyDoubles = random.doubles(70_000).toArray(); // more than one 64 KiB chunk
    int[] manyInts = random.ints(40_000).toArray();
    byte[] manyBytes = new byte[100_000];
    random.nextBytes(manyBytes);
    boolean[] manyBooleans = new boolean[70_001];
    for (int i = 0; i < manyBooleans.length; i++) {
      manyBooleans[i] = random.nextBoolean();
    }
    return Stream.of(
        Arguments.of(int[].class, new int[] {}),
        Arguments.of(int[].class, new int[] {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}),
        Arguments.of(int[].class, manyInts),
        Arguments.of(long[].class, new long[] {}),
        Arguments.of(long[].class, new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}),
        Arguments.of(double[].class, new double[] {}),
        Arguments.of(
            double[].class,
            new double[] {
              0.0, -0.0, 1e-300, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY
            }),
        Arguments.of(double[].class, manyDoubles),
        Arguments.of(float[].class, new float[] {}),
        Arguments.of(float[].class, new float[] {1.5f, Float.NaN, Float.NEGATIVE_INFINITY}),
        Arguments.of(boolean[].class, new boolean[] {}),
        Arguments.of(boolean[].class, new boolean[] {true, false, true}),
        Arguments.of(boolean[].class, manyBooleans),
        Arguments.of(byte[].class, new byte[] {}),
        Arguments.of(byte[].class, new byte[] {Byte.MIN_VALUE, 0, Byte.MAX_VALUE}),
        Arguments.of(byte[].class, manyBytes),
        Arguments.of(short[].class, new short[] {Short.MIN_VALUE, 1}),
        Arguments.of(char[].class, "héllo 🚀".toCharArray()),
        Arguments.of(double[][].class, new double[][] {}),
        Arguments.of(double[][].class, new double[][] {{}}),
        Arguments.of(double[][].class, new double[][] {{1, 2, 3}, {4, 5, 6}}),
        Arguments.of(double[][].class, new double[][] {{1}, {}, {Double.NaN, 2, 3}}),
        Arguments.of(double[][].class, new double[][] {manyDoubles, {1}}));
  }

  @ParameterizedTest
  @MethodSource("arrays")
  void roundTrips(Class<?> type, Object array) throws IOException {
    assertThat(Bytes.roundTrip(materializer, array, type)).isInstanceOf(type).isEqualTo(array);
  }

  @ParameterizedTest
  @MethodSource("arrays")
  void rejectsEveryTruncation(Class<?> type, Object array) throws IOException {
    if (Bytes.write(materializer, array, type).length > 1000) {
      return; // cutting at every byte is slow for the large ones; the small ones cover every field
    }
    Bytes.assertEveryTruncationFails(materializer, array, type);
  }

  @Test
  void writesTheDocumentedFormat() throws IOException {
    byte[] bytes = Bytes.write(materializer, new int[] {1, -2}, int[].class);
    ByteBuffer expected =
        ByteBuffer.allocate(4 + 1 + 1 + 1 + 4 + 8)
            .put("SKFA".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
            .put((byte) 1)
            .put((byte) 'I')
            .put((byte) 1)
            .putInt(2)
            .putInt(1)
            .putInt(-2);
    assertThat(bytes).isEqualTo(expected.array());
    assertThat(Bytes.write(materializer, new double[1000], double[].class)).hasSize(11 + 8000);
  }

  @Test
  void refusesAnotherArrayType() throws IOException {
    byte[] longs = Bytes.write(materializer, new long[] {1}, long[].class);
    assertThatThrownBy(() -> Bytes.read(materializer, int[].class, longs))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("holds type long[], not int[]");
    byte[] matrix = Bytes.write(materializer, new double[][] {{1}}, double[][].class);
    assertThatThrownBy(() -> Bytes.read(materializer, double[].class, matrix))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("holds type double[][], not double[]");
  }

  @Test
  void refusesCorruptHeaders() throws IOException {
    byte[] good = Bytes.write(materializer, new int[] {1, 2}, int[].class);

    byte[] badMagic = good.clone();
    badMagic[0] = 'X';
    assertThatThrownBy(() -> Bytes.read(materializer, int[].class, badMagic))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bad magic");

    byte[] badVersion = good.clone();
    badVersion[4] = 9;
    assertThatThrownBy(() -> Bytes.read(materializer, int[].class, badVersion))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("format version 9, expected 1");

    byte[] badRank = good.clone();
    badRank[6] = 3;
    assertThatThrownBy(() -> Bytes.read(materializer, int[].class, badRank))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("rank 3");

    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> Bytes.read(materializer, int[].class, trailing))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unexpected bytes after the data");

    byte[] badBoolean = Bytes.write(materializer, new boolean[] {true}, boolean[].class);
    badBoolean[badBoolean.length - 1] = 7;
    assertThatThrownBy(() -> Bytes.read(materializer, boolean[].class, badBoolean))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("boolean byte 7");
  }

  @Test
  void refusesBadLengthsWithoutHugeAllocations() throws IOException {
    assertThatThrownBy(() -> Bytes.read(materializer, int[].class, header('I', 1, -1)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("negative array length");
    // Claims 2^31-1 doubles (16 GiB) but holds 8 bytes: must fail fast, not run out of memory.
    byte[] huge = concat(header('D', 1, Integer.MAX_VALUE), new byte[8]);
    assertThatThrownBy(() -> Bytes.read(materializer, double[].class, huge))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected 2147483647 values, input ended after 1");
    byte[] manyRows = header('D', 2, Integer.MAX_VALUE);
    assertThatThrownBy(() -> Bytes.read(materializer, double[][].class, manyRows))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void refusesNullRowsAndWrongValues() {
    assertThatThrownBy(
            () -> Bytes.write(materializer, new double[][] {{1}, null}, double[][].class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row 1");
    assertThatThrownBy(() -> Bytes.write(materializer, new long[] {1}, int[].class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected int[], got long[]");
  }

  @Test
  void supportsTheArrayTypes() {
    for (Type type :
        List.of(
            int[].class,
            long[].class,
            double[].class,
            float[].class,
            boolean[].class,
            byte[].class,
            short[].class,
            char[].class,
            double[][].class)) {
      assertThat(materializer.supports(type)).as(type.getTypeName()).isTrue();
    }
    for (Type type :
        List.of(int[][].class, Integer[].class, String[].class, double.class, List.class)) {
      assertThat(materializer.supports(type)).as(type.getTypeName()).isFalse();
    }
  }

  private static byte[] header(char tag, int rank, int length) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(ArrayMaterializer.MAGIC);
    out.writeByte(ArrayMaterializer.VERSION);
    out.writeByte(tag);
    out.writeByte(rank);
    out.writeInt(length);
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
