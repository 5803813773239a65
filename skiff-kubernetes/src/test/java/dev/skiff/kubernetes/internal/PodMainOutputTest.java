package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A pod's output is UTF-8 whatever the locale of its image. */
class PodMainOutputTest {

  /** Prints what the orchestrator prints when a map expands, as a pod would. */
  public static final class Print {
    public static void main(String[] args) {
      PodMain.writeUtf8();
      System.out.println("train | 4 instances: train[0] … train[3]");
      System.err.println("größer");
    }
  }

  @Test
  void aPodWithoutAUtf8LocaleStillWritesUtf8() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    // an image without LANG: the JVM's default and console encodings are ASCII
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                java.toString(),
                "-Dfile.encoding=ANSI_X3.4-1968",
                "-Dsun.stdout.encoding=ANSI_X3.4-1968",
                "-Dsun.stderr.encoding=ANSI_X3.4-1968",
                "-cp",
                System.getProperty("java.class.path"),
                Print.class.getName()));
    pb.environment().remove("LANG");
    pb.environment().remove("LC_ALL");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(new String(out, StandardCharsets.UTF_8))
        .isEqualTo("train | 4 instances: train[0] … train[3]\n");
    assertThat(new String(err, StandardCharsets.UTF_8)).isEqualTo("größer\n");
  }
}
