package dev.skiff.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrimitiveMaterializerTest {
  private final PrimitiveMaterializer materializer = new PrimitiveMaterializer();

  static Stream<Arguments> values() {
    return Stream.of(
        Arguments.of(int.class, List.of(0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE)),
        Arguments.of(Integer.class, List.of(42)),
        Arguments.of(long.class, List.of(0L, Long.MIN_VALUE, Long.MAX_VALUE)),
        Arguments.of(Long.class, List.of(-7L)),
        Arguments.of(
            double.class,
            List.of(
                0.0,
                -0.0,
                Math.PI,
                Double.MIN_VALUE,
                Double.MAX_VALUE,
                Double.NaN,
                Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY)),
        Arguments.of(Double.class, List.of(0.1)),
        Arguments.of(
            float.class,
            List.of(0f, -0f, 1.5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)),
        Arguments.of(Float.class, List.of(Float.MAX_VALUE)),
        Arguments.of(boolean.class, List.of(true, false)),
        Arguments.of(Boolean.class, List.of(true)),
        Arguments.of(short.class, List.of((short) 0, Short.MIN_VALUE, Short.MAX_VALUE)),
        Arguments.of(Short.class, List.of((short) -3)),
        Arguments.of(byte.class, List.of((byte) 0, Byte.MIN_VALUE, Byte.MAX_VALUE)),
        Arguments.of(Byte.class, List.of((byte) 9)),
        Arguments.of(char.class, List.of('a', '\0', 'é', '\uFFFF', '\uD83D')),
        Arguments.of(Character.class, List.of('中')));
  }

  @ParameterizedTest
  @MethodSource("values")
  void roundTrips(Class<?> type, List<Object> values) throws IOException {
    for (Object value : values) {
      assertThat(Bytes.roundTrip(materializer, value, type)).isEqualTo(value);
    }
  }

  @ParameterizedTest
  @MethodSource("values")
  void rejectsEveryTruncation(Class<?> type, List<Object> values) throws IOException {
    Bytes.assertEveryTruncationFails(materializer, values.get(0), type);
  }

  @Test
  void isCompactAndStable() throws IOException {
    assertThat(Bytes.write(materializer, 1, int.class)).containsExactly('I', 0, 0, 0, 1);
    assertThat(Bytes.write(materializer, true, boolean.class)).containsExactly('Z', 1);
    assertThat(Bytes.write(materializer, 1.0, double.class))
        .containsExactly('D', 0x3f, 0xf0, 0, 0, 0, 0, 0, 0);
    assertThat(Bytes.write(materializer, 7L, Long.class))
        .isEqualTo(Bytes.write(materializer, 7L, long.class));
  }

  @Test
  void keepsExactNaNBits() throws IOException {
    double nan = Double.longBitsToDouble(0x7ff8_0000_0000_1234L);
    Object back = Bytes.roundTrip(materializer, nan, double.class);
    assertThat(Double.doubleToRawLongBits((Double) back)).isEqualTo(0x7ff8_0000_0000_1234L);
  }

  @Test
  void refusesAnotherPrimitiveType() throws IOException {
    byte[] bytes = Bytes.write(materializer, 5L, long.class);
    assertThatThrownBy(() -> Bytes.read(materializer, int.class, bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("holds type long, not int");
  }

  @Test
  void refusesCorruptInput() {
    assertThatThrownBy(() -> Bytes.read(materializer, int.class, new byte[] {'I', 0, 0, 0, 1, 0}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unexpected bytes after the data");
    assertThatThrownBy(() -> Bytes.read(materializer, boolean.class, new byte[] {'Z', 2}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("boolean byte 2");
    assertThatThrownBy(() -> Bytes.read(materializer, int.class, new byte[] {'Q', 0, 0, 0, 1}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown type tag");
  }

  @Test
  void refusesWrongValues() {
    assertThatThrownBy(() -> Bytes.write(materializer, null, int.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected int, got null");
    assertThatThrownBy(() -> Bytes.write(materializer, 1L, int.class))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void supportsOnlyPrimitivesAndBoxes() {
    for (Type type : List.of(int.class, Integer.class, char.class, Boolean.class)) {
      assertThat(materializer.supports(type)).as(type.getTypeName()).isTrue();
    }
    for (Type type : List.of(void.class, Void.class, String.class, Number.class, int[].class)) {
      assertThat(materializer.supports(type)).as(type.getTypeName()).isFalse();
    }
  }
}
