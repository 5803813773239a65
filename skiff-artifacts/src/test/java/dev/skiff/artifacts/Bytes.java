package dev.skiff.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.sdk.Materializer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Arrays;

/** Test helpers: a materializer's bytes for a value, and reading them back. */
final class Bytes {
  private Bytes() {}

  static byte[] write(Materializer m, Object value, Type type) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.write(value, type, out);
    return out.toByteArray();
  }

  static Object read(Materializer m, Type type, byte[] bytes) throws IOException {
    return m.read(type, new ByteArrayInputStream(bytes));
  }

  /** Writes, checks that a second write gives the same bytes, and reads back. */
  static Object roundTrip(Materializer m, Object value, Type type) throws IOException {
    assertThat(m.supports(type)).as("%s supports %s", m.id(), type.getTypeName()).isTrue();
    byte[] bytes = write(m, value, type);
    assertThat(write(m, value, type)).as("deterministic bytes").isEqualTo(bytes);
    return read(m, type, bytes);
  }

  /** Every strict prefix of a valid artifact fails to read with an IOException. */
  static void assertEveryTruncationFails(Materializer m, Object value, Type type)
      throws IOException {
    byte[] bytes = write(m, value, type);
    for (int n = 0; n < bytes.length; n++) {
      byte[] prefix = Arrays.copyOf(bytes, n);
      assertThatThrownBy(() -> read(m, type, prefix))
          .as("%s cut to %d of %d bytes", m.id(), n, bytes.length)
          .isInstanceOf(IOException.class)
          .hasMessageContaining(m.id());
    }
  }
}
