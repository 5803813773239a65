package dev.skiff.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageProgressPrinterTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);

  @Test
  void printsBlobsProgressAndWarnings() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ImageProgressPrinter printer =
        new ImageProgressPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    printer.accept(new ImageEvent.Progress(0.05));
    printer.accept(new ImageEvent.Progress(0.07));
    printer.accept(new ImageEvent.Progress(0.31));
    printer.accept(new ImageEvent.BlobSkipped(DIGEST, 3 * 1024 * 1024));
    printer.accept(new ImageEvent.BlobPushed(DIGEST, 2048));
    printer.accept(new ImageEvent.Log("info", "not shown"));
    printer.accept(
        new ImageEvent.Log(
            "warn", "Failed to connect to https://h/v2/ over HTTPS. Attempting again with HTTP."));
    printer.accept(new ImageEvent.Log("warn", "plain HTTP"));
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(
            "  image   0%",
            "  image   30%",
            "  exists  abababababab  3.0 MB (skipped)",
            "  pushed  abababababab  2.0 kB",
            "  warn: plain HTTP");
  }
}
