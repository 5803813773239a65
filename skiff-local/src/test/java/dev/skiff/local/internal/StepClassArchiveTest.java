package dev.skiff.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StepClassArchiveTest {
  @TempDir Path dir;

  @Test
  void firstJvmWritesTheArchiveOthersMapIt() throws Exception {
    StepClassArchive archive = new StepClassArchive(dir, "k");
    StepClassArchive.Use first = archive.next();
    String dump =
        first.jvmArgs().stream()
            .filter(a -> a.startsWith("-XX:ArchiveClassesAtExit="))
            .findFirst()
            .orElseThrow();
    assertThat(first.jvmArgs()).contains("-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    // while the first writes it, others run without
    assertThat(archive.next().jvmArgs()).isEmpty();
    Files.writeString(Path.of(dump.substring(dump.indexOf('=') + 1)), "archive");
    first.exited(0);
    assertThat(archive.file()).hasContent("archive");
    assertThat(archive.next().jvmArgs())
        .contains("-XX:SharedArchiveFile=" + archive.file(), "-Xlog:cds=off");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(archive.file());
    }
  }

  @Test
  void failedStepLeavesNoArchiveAndTheNextTriesAgain() {
    StepClassArchive archive = new StepClassArchive(dir, "k");
    archive.next().exited(1);
    assertThat(archive.file()).doesNotExist();
    assertThat(archive.next().jvmArgs()).anyMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit="));
  }

  @Test
  void classPathTheJdkCannotArchiveIsNotTriedAgain() {
    StepClassArchive archive = new StepClassArchive(dir, "k");
    archive.next().exited(0); // succeeded without writing an archive
    assertThat(archive.next().jvmArgs()).isEmpty();
  }

  @Test
  void classFoldersOnTheClassPathTurnItOff() {
    assertThat(StepClassArchive.of(Path.of("java"), dir.toString(), List.of())).isNull();
  }

  @Test
  void userFlagsThatChooseAnArchiveTurnItOff() {
    assertThat(StepClassArchive.of(Path.of("java"), "a.jar", List.of("-Xshare:off"))).isNull();
    assertThat(
            StepClassArchive.of(Path.of("java"), "a.jar", List.of("-XX:SharedArchiveFile=x.jsa")))
        .isNull();
  }
}
