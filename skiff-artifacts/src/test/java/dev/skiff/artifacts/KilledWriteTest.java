package dev.skiff.artifacts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer process killed mid-write (kill -9) leaves nothing visible, and its temporary file goes.
 */
@Timeout(60)
class KilledWriteTest {
  @TempDir Path dir;

  /** Child process: writes to {@code runs/r/s/1/output} without end. */
  public static void main(String[] args) throws Exception {
    LocalArtifactStore store = new LocalArtifactStore(Path.of(args[0]));
    store.write(
        "runs/r/s/1/output",
        out -> {
          byte[] chunk = new byte[1 << 16];
          out.write(chunk);
          out.flush();
          System.out.println("writing");
          System.out.flush();
          while (true) {
            out.write(chunk);
            try {
              Thread.sleep(5);
            } catch (InterruptedException e) {
              throw new java.io.InterruptedIOException();
            }
          }
        });
  }

  @Test
  void aKilledWriteLeavesNothingVisibleAndItsTempFileIsRemovedOnTheNextOpen() throws Exception {
    Path root = dir.resolve("store");
    Process writer =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                KilledWriteTest.class.getName(),
                root.toString())
            .redirectErrorStream(true)
            .start();
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(lines.readLine()).isEqualTo("writing");
      writer.destroyForcibly(); // SIGKILL: no finally block, no abort
      assertThat(writer.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(temps(root)).hasSize(1);

    LocalArtifactStore store = new LocalArtifactStore(root);

    assertThat(store.exists("runs/r/s/1/output")).isFalse();
    assertThat(store.list("")).isEmpty();
    assertThat(temps(root)).as("the dead writer's temporary file").isEmpty();
  }

  @Test
  void filesAndFoldersAreOwnerOnlyWhateverTheUmask() throws Exception {
    LocalArtifactStore store = new LocalArtifactStore(dir.resolve("perm"));
    store.write("runs/r/s/1/output", out -> out.write(1));
    store.append("runs/r/logs/s.log", "line\n".getBytes(StandardCharsets.UTF_8));

    assertThat(Files.getPosixFilePermissions(store.root()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    for (String folder : List.of("runs", "runs/r", "runs/r/s", "runs/r/s/1", "runs/r/logs")) {
      assertThat(Files.getPosixFilePermissions(store.root().resolve(folder)))
          .as(folder)
          .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }
    for (String file : List.of("runs/r/s/1/output", "runs/r/logs/s.log")) {
      assertThat(Files.getPosixFilePermissions(store.root().resolve(file)))
          .as(file)
          .containsOnly(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
  }

  private static List<Path> temps(Path root) throws Exception {
    Path temps = root.resolve(LocalArtifactStore.TEMP_DIR);
    if (!Files.isDirectory(temps)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(temps)) {
      return files.toList();
    }
  }
}
