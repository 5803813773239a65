package dev.skiff.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StringMaterializerTest {
  private final StringMaterializer materializer = new StringMaterializer();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "hello",
        "naïve café, Straße",
        "中文字符 日本語 한국어",
        "emoji 🚀👩‍🔬 and a flag 🇳🇴",
        "e\u0301 combining",
        "tabs\tand\nnewlines\r\n",
        "nul\0inside"
      })
  void roundTripsAsPlainUtf8(String text) throws IOException {
    assertThat(Bytes.roundTrip(materializer, text, String.class)).isEqualTo(text);
    assertThat(Bytes.write(materializer, text, String.class))
        .isEqualTo(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void roundTripsALongString() throws IOException {
    String text = "αβγ".repeat(200_000);
    assertThat(Bytes.roundTrip(materializer, text, String.class)).isEqualTo(text);
  }

  @Test
  void refusesMalformedUtf8() {
    byte[] cut = Arrays.copyOf("🚀".getBytes(StandardCharsets.UTF_8), 3);
    assertThatThrownBy(() -> Bytes.read(materializer, String.class, cut))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not valid UTF-8");
    assertThatThrownBy(() -> Bytes.read(materializer, String.class, new byte[] {(byte) 0xC0, 0x20}))
        .isInstanceOf(IOException.class);
  }

  @Test
  void refusesALoneSurrogateInsteadOfChangingIt() {
    assertThatThrownBy(() -> Bytes.write(materializer, "bad \uD83D here", String.class))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not valid Unicode");
  }

  @Test
  void supportsOnlyString() {
    assertThat(materializer.supports(String.class)).isTrue();
    assertThat(materializer.supports(CharSequence.class)).isFalse();
    assertThat(materializer.supports(char[].class)).isFalse();
  }
}
