package dev.skiff.store;

import static dev.skiff.testing.MetadataFixtures.T0;
import static dev.skiff.testing.MetadataFixtures.run;
import static dev.skiff.testing.MetadataFixtures.writeSteps;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.StepStatus;
import dev.skiff.store.internal.Migrations;
import dev.skiff.testing.MetadataStoreContractTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteMetadataStoreTest extends MetadataStoreContractTest {

  @TempDir Path dir;

  @Override
  protected MetadataStore newStore() {
    return MetadataStores.sqlite(dir.resolve("contract/metadata.db"));
  }

  @Test
  void createsParentDirectoriesAndUsesWal() throws SQLException {
    Path file = dir.resolve("a/b/c/metadata.db");

    MetadataStores.sqlite(file).close();

    assertThat(file).isRegularFile();
    assertThat(query(file, "PRAGMA journal_mode")).isEqualTo("wal");
  }

  @Test
  void reopeningTheFileKeepsDataAndDoesNotMigrateAgain() throws SQLException {
    Path file = dir.resolve("metadata.db");
    String history = "SELECT COUNT(*) || '/' || MAX(installed_rank) FROM skiff_schema_history";
    try (MetadataStore first = MetadataStores.sqlite(file)) {
      first.createRun(run("r1", "digits", T0));
    }
    String migrated = query(file, history);

    try (MetadataStore second = MetadataStores.sqlite(file)) {
      assertThat(second.findRun("r1")).isPresent();
    }
    assertThat(query(file, history)).isEqualTo(migrated);
    assertThat(query(file, "SELECT COUNT(*) FROM skiff_schema_history WHERE success = 0"))
        .isEqualTo("0");
  }

  @Test
  void twoStoresOnOneFileWriteAtTheSameTime() throws Exception {
    Path file = dir.resolve("shared.db");
    int writers = 4;
    int steps = 100;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String prefix = "w" + w;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  // A store per writer: its own connection, as a separate process would have.
                  try (MetadataStore own = MetadataStores.sqlite(file)) {
                    writeSteps(own, "run", prefix, steps);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : done) {
        future.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertAllStepsSucceeded(file, writers * steps);
  }

  @Test
  void severalProcessesWriteOneNewFileAtTheSameTime() throws Exception {
    Path file = dir.resolve("processes.db");
    int processes = 3;
    int steps = 150;
    List<Process> children = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      // Every child opens the file while it may not exist yet: migration must be serialized.
      children.add(
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  StoreWriterMain.class.getName(),
                  file.toString(),
                  "run",
                  "p" + p,
                  Integer.toString(steps))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("child-" + p + ".log").toFile())
              .start());
    }
    try (MetadataStore parent = MetadataStores.sqlite(file)) {
      writeSteps(parent, "run", "parent", steps);
    }
    for (int p = 0; p < processes; p++) {
      assertThat(children.get(p).waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(children.get(p).exitValue())
          .as(Files.readString(dir.resolve("child-" + p + ".log")))
          .isZero();
    }

    assertAllStepsSucceeded(file, (processes + 1) * steps);
  }

  @Test
  void fileUnderARegularFileGivesAOneLineError() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("plain.txt"), "x");
    Path file = notADirectory.resolve("metadata.db");

    assertThatThrownBy(() -> MetadataStores.sqlite(file))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessageStartingWith("cannot open metadata store at " + file + ": ")
        .hasMessageContaining(notADirectory.toString())
        .message()
        .doesNotContain("\n");
  }

  @Test
  void directoryInsteadOfAFileGivesAOneLineError() throws Exception {
    Path file = Files.createDirectories(dir.resolve("metadata.db"));

    assertThatThrownBy(() -> MetadataStores.sqlite(file))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessageStartingWith("cannot open metadata store at " + file + ": ")
        .message()
        .doesNotContain("\n");
  }

  @Test
  void aFileMigratedByANewerSkiffIsRefused() throws SQLException {
    Path file = dir.resolve("newer.db");
    MetadataStores.sqlite(file).close();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      sql.executeUpdate(
          "INSERT INTO skiff_schema_history (installed_rank, version, description, type, script,"
              + " checksum, installed_by, execution_time, success)"
              + " VALUES (99, '99', 'future', 'SQL', 'V99__future.sql', 0, 'skiff', 1, 1)");
    }

    assertThatThrownBy(() -> MetadataStores.sqlite(file))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessage(
            "cannot open metadata store at "
                + file
                + ": the metadata database was migrated by a newer Skiff (schema 99, this Skiff knows "
                + Migrations.LATEST_VERSION
                + "): upgrade Skiff");
  }

  @Test
  void unreachableJdbcUrlGivesAOneLineError() {
    assertThatThrownBy(
            () -> MetadataStores.jdbc("jdbc:nosuchdb://host/db?password=secret", "u", "p"))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessageStartingWith("cannot open metadata store at jdbc:nosuchdb://host/db: ")
        .message()
        .doesNotContain("\n")
        .doesNotContain("secret");
    // nor in the causes, which --debug prints
    assertThatThrownBy(
            () -> MetadataStores.jdbc("jdbc:nosuchdb://host/db?password=secret", "u", "p"))
        .hasNoCause();
  }

  @Test
  void genericJdbcFactoryMigratesAnSqliteUrl() {
    Path file = dir.resolve("generic.db");
    try (MetadataStore generic = MetadataStores.jdbc("jdbc:sqlite:" + file, null, null)) {
      generic.createRun(run("r1", "digits", T0));
    }

    try (MetadataStore sqlite = MetadataStores.sqlite(file)) {
      assertThat(sqlite.findRun("r1")).isPresent();
    }
  }

  /** Not a timed assertion: prints the mean latency of the writes that executing steps makes. */
  @Test
  void reportsWriteLatency() {
    int steps = 1000;
    int writesPerStep = 4; // step RUNNING, artifact, links, step SUCCEEDED
    try (MetadataStore bench = MetadataStores.sqlite(dir.resolve("bench.db"))) {
      writeSteps(bench, "warmup", "s", 300);
      long start = System.nanoTime();
      writeSteps(bench, "measured", "s", steps);
      long nanos = System.nanoTime() - start;
      double micros = nanos / 1000.0 / (steps * writesPerStep);
      System.out.printf(
          "SQLite metadata store: %d writes in %.1f ms, %.1f us per write%n",
          steps * writesPerStep, nanos / 1e6, micros);
      assertThat(bench.listSteps("measured")).hasSize(steps);
    }
  }

  private static void assertAllStepsSucceeded(Path file, int expected) {
    try (MetadataStore check = MetadataStores.sqlite(file)) {
      List<StepRecord> steps = check.listSteps("run");
      assertThat(steps).hasSize(expected);
      assertThat(steps).allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.SUCCEEDED));
      assertThat(check.listArtifacts("run", expected + 1)).hasSize(expected);
    }
  }

  private static String query(Path file, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getString(1);
    }
  }
}
