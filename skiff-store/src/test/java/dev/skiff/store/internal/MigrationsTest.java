package dev.skiff.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.store.MetadataStores;
import java.nio.file.Path;
import org.flywaydb.core.api.MigrationInfoService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {

  @TempDir Path dir;

  /** Opening skips Flyway when the schema is at LATEST_VERSION, so it must name the newest. */
  @Test
  void latestVersionIsTheNewestScript() {
    Path file = dir.resolve("metadata.db");
    MetadataStores.sqlite(file).close();

    MigrationInfoService info =
        Migrations.configure().dataSource("jdbc:sqlite:" + file, null, null).load().info();

    assertThat(info.pending()).isEmpty();
    assertThat(info.current().getVersion().getVersion()).isEqualTo(Migrations.LATEST_VERSION);
  }
}
