package dev.skiff.store;

import static dev.skiff.testing.MetadataFixtures.T0;
import static dev.skiff.testing.MetadataFixtures.run;
import static dev.skiff.testing.MetadataFixtures.writeSteps;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.sdk.StepStatus;
import dev.skiff.store.internal.Migrations;
import dev.skiff.store.internal.Postgres;
import dev.skiff.testing.MetadataStoreContractTest;
import dev.skiff.testing.postgres.PostgresServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata store contract on a real PostgreSQL (embedded binaries), one new database per test,
 * plus what only a server database has: many writers at once, concurrent first opens, logins and
 * their errors.
 */
class PostgresMetadataStoreTest extends MetadataStoreContractTest {

  private static final PostgresServer SERVER = PostgresServer.shared();

  @TempDir Path dir;

  @Override
  protected MetadataStore newStore() {
    return MetadataStores.postgres(PostgresDatabases.newMigrated(), SERVER.password());
  }

  // ---- many writers

  /** A run whose 50 steps report at once, as 50 step threads of one process would. */
  @Test
  void fiftyThreadsReportingAtOnceLoseNoUpdate() throws Exception {
    String url = SERVER.newDatabase();
    int threads = 50;
    int stepsPerThread = 10;
    try (MetadataStore shared = MetadataStores.postgres(url, SERVER.password())) {
      shared.createRun(run("run", "digits", T0));
      runAtOnce(
          threads,
          t ->
              () -> {
                writeSteps(shared, "run", "t" + t, stepsPerThread);
                return null;
              });

      assertAllStepsSucceeded(shared, threads * stepsPerThread);
      // The pool stayed small: at most its maximum, however many threads wrote.
      assertThat(connections(url)).isBetween(1, Postgres.MAX_CONNECTIONS);
    }
    assertThat(count(url, "SELECT COUNT(*) FROM steps")).isEqualTo(threads * stepsPerThread);
    assertThat(count(url, "SELECT COUNT(*) FROM artifacts")).isEqualTo(threads * stepsPerThread);
    assertThat(count(url, "SELECT COUNT(*) FROM step_artifacts WHERE direction = 'out'"))
        .isEqualTo(threads * stepsPerThread);
    assertThat(count(url, "SELECT COUNT(*) FROM steps WHERE status <> 'SUCCEEDED'")).isZero();
  }

  /**
   * Step processes opening a brand-new database at the same moment: their migrations are serialized
   * (the schema is created once), then all of them write.
   */
  @Test
  void severalProcessesOpenANewDatabaseAndWriteAtOnce() throws Exception {
    String url = SERVER.newDatabase();
    int processes = 3;
    int steps = 100;
    List<Process> children = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      ProcessBuilder child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  PostgresWriterMain.class.getName(),
                  url,
                  "run",
                  "p" + p,
                  Integer.toString(steps))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("child-" + p + ".log").toFile());
      // As an orchestrator hands it to a step process: never on the command line.
      child.environment().put(StoreAccess.METADATA_PASSWORD_ENV, SERVER.password());
      children.add(child.start());
    }
    try (MetadataStore parent = MetadataStores.postgres(url, SERVER.password())) {
      writeSteps(parent, "run", "parent", steps);
    }
    for (int p = 0; p < processes; p++) {
      assertThat(children.get(p).waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(children.get(p).exitValue())
          .as(Files.readString(dir.resolve("child-" + p + ".log")))
          .isZero();
    }

    try (MetadataStore check = MetadataStores.postgres(url, SERVER.password())) {
      assertAllStepsSucceeded(check, (processes + 1) * steps);
    }
    assertThat(history(url)).containsExactlyElementsOf(expectedHistory());
  }

  @Test
  void manyStoresOpeningANewDatabaseAtOnceMigrateItOnce() throws Exception {
    String url = SERVER.newDatabase();

    runAtOnce(
        8,
        t ->
            () -> {
              try (MetadataStore own = MetadataStores.postgres(url, SERVER.password())) {
                own.createRun(run("r" + t, "digits", T0));
              }
              return null;
            });

    assertThat(history(url)).containsExactlyElementsOf(expectedHistory());
    assertThat(count(url, "SELECT COUNT(*) FROM runs")).isEqualTo(8);
  }

  // ---- migrations

  @Test
  void migrationsRunOnAnEmptyDatabaseAndAgainChangeNothing() throws Exception {
    String url = SERVER.newDatabase();
    assertThat(
            count(
                url,
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"))
        .isZero();

    try (MetadataStore first = MetadataStores.postgres(url, SERVER.password())) {
      first.createRun(run("r1", "digits", T0));
    }
    List<String> migrated = history(url);
    try (MetadataStore second = MetadataStores.postgres(url, SERVER.password())) {
      assertThat(second.findRun("r1")).isPresent();
    }
    // Flyway ran a second time too: its answer must be "nothing to do".
    Migrations.configure().dataSource(url, SERVER.user(), SERVER.password()).load().migrate();

    assertThat(migrated).containsExactlyElementsOf(expectedHistory());
    assertThat(history(url)).isEqualTo(migrated);
    assertThat(
            count(
                url,
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"))
        .as("11 tables and the history")
        .isEqualTo(12);
  }

  @Test
  void aSchemaMigratedByANewerSkiffIsRefused() throws Exception {
    String url = SERVER.newDatabase();
    MetadataStores.postgres(url, SERVER.password()).close();
    execute(
        url,
        "INSERT INTO skiff_schema_history (installed_rank, version, description, type, script,"
            + " checksum, installed_by, execution_time, success)"
            + " VALUES (99, '99', 'future', 'SQL', 'V99__future.sql', 0, 'skiff', 1, true)");

    assertThatThrownBy(() -> MetadataStores.postgres(url, SERVER.password()))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessage(
            "cannot open metadata store at "
                + location(url)
                + ": the metadata database was migrated by a newer Skiff (schema 99, this Skiff"
                + " knows "
                + Migrations.LATEST_VERSION
                + "): upgrade Skiff");
  }

  // ---- reaching the server

  @Test
  void anUnreachablePortGivesAOneLineErrorNamingHostAndPort() throws IOException {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String url = "jdbc:postgresql://localhost:" + port + "/skiff?user=skiff&password=s3cret-pw";

    assertThatThrownBy(() -> MetadataStores.postgres(url, null))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessage(
            "cannot open metadata store at jdbc:postgresql://localhost:"
                + port
                + "/skiff: cannot reach PostgreSQL at localhost:"
                + port
                + " (Connection refused): is PostgreSQL running and reachable? check"
                + " --metadata-url");
  }

  @Test
  void anUnknownHostGivesAOneLineError() {
    assertThatThrownBy(
            () -> MetadataStores.postgres("jdbc:postgresql://no-such-host.invalid/skiff", "pw"))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessageContaining("cannot reach PostgreSQL at no-such-host.invalid:5432 (unknown host")
        .message()
        .doesNotContain("\n");
  }

  @Test
  void aWrongPasswordIsRefusedWithoutShowingIt() {
    String url = SERVER.newDatabase();
    String wrong = "wrong-" + SERVER.password();

    assertThatThrownBy(() -> MetadataStores.postgres(url, wrong))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessage(
            "cannot open metadata store at "
                + location(url)
                + ": PostgreSQL at localhost:"
                + SERVER.port()
                + " refused the login of user 'skiff' (password authentication failed for user"
                + " \"skiff\"): set SKIFF_METADATA_PASSWORD or ~/.pgpass");
    assertThatThrownBy(() -> MetadataStores.postgres(url + "&password=" + wrong, null))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessageContaining("refused the login of user 'skiff'")
        .message()
        .doesNotContain(wrong)
        .doesNotContain(SERVER.password());
  }

  @Test
  void noPasswordAnywhereIsALoginRefusal() throws IOException {
    String url = SERVER.newDatabase();
    Path emptyPgpass = Files.createFile(dir.resolve("empty.pgpass"));
    String previous = System.setProperty("org.postgresql.pgpassfile", emptyPgpass.toString());
    try {
      assertThatThrownBy(() -> MetadataStores.postgres(url, null))
          .isInstanceOf(MetadataStoreException.class)
          .hasMessageStartingWith(
              "cannot open metadata store at "
                  + location(url)
                  + ": PostgreSQL at localhost:"
                  + SERVER.port()
                  + " refused the login of user 'skiff' (")
          .hasMessageEndingWith("): set SKIFF_METADATA_PASSWORD or ~/.pgpass");
    } finally {
      restore("org.postgresql.pgpassfile", previous);
    }
  }

  @Test
  void aMissingDatabaseGivesAOneLineErrorNamingIt() {
    String url = SERVER.url("no_such_db");

    assertThatThrownBy(() -> MetadataStores.postgres(url, SERVER.password()))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessage(
            "cannot open metadata store at "
                + location(url)
                + ": database 'no_such_db' does not exist on localhost:"
                + SERVER.port()
                + ": create it (CREATE DATABASE no_such_db OWNER skiff) or check --metadata-url");
  }

  @Test
  void aNonPostgresUrlIsRejected() {
    assertThatThrownBy(() -> MetadataStores.postgres("jdbc:postgres://h/db?password=x", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "'jdbc:postgres://h/db' is not a PostgreSQL JDBC URL: expected"
                + " jdbc:postgresql://HOST:PORT/DATABASE?user=USER");
  }

  // ---- where the password comes from

  @Test
  void passwordSourcesInOrderArgumentEnvironmentUrlPgpass() throws IOException {
    String url = SERVER.newDatabase();
    String right = SERVER.password();
    String wrongInUrl = url + "&password=wrong-in-url";
    String rightInUrl = url + "&password=" + right;

    // the argument beats the URL
    MetadataStores.postgres(wrongInUrl, right).close();
    // the URL's own parameter
    MetadataStores.postgres(rightInUrl, null).close();
    // the provider: argument, then SKIFF_METADATA_PASSWORD, then the URL
    JdbcStoreProvider withEnv =
        new JdbcStoreProvider(Map.of(StoreAccess.METADATA_PASSWORD_ENV, right));
    withEnv.open(wrongInUrl, null).close();
    new JdbcStoreProvider(Map.of(StoreAccess.METADATA_PASSWORD_ENV, "wrong-in-env"))
        .open(wrongInUrl, right)
        .close();
    new JdbcStoreProvider(Map.of()).open(rightInUrl, null).close();
    assertThatThrownBy(
            () ->
                new JdbcStoreProvider(Map.of(StoreAccess.METADATA_PASSWORD_ENV, "wrong-in-env"))
                    .open(rightInUrl, null))
        .hasMessageContaining("refused the login");

    // last, ~/.pgpass: the driver reads it itself (pgjdbc >= 42.3)
    Path home = Files.createDirectories(dir.resolve("home"));
    Path pgpass = home.resolve(".pgpass");
    Files.writeString(
        pgpass, "localhost:" + SERVER.port() + ":*:" + SERVER.user() + ":" + right + "\n");
    Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
    String userHome = System.setProperty("user.home", home.toString());
    try {
      try (MetadataStore viaPgpass = new JdbcStoreProvider(Map.of()).open(url, null)) {
        viaPgpass.createRun(run("r1", "digits", T0));
      }
      // a wrong password given explicitly is not "repaired" from .pgpass
      assertThatThrownBy(() -> MetadataStores.postgres(url, "wrong"))
          .hasMessageContaining("refused the login");
    } finally {
      restore("user.home", userHome);
    }
  }

  @Test
  void thePasswordAppearsInNoMessageAndNoToString() throws IOException {
    String secret = "pw-never-shown-" + System.nanoTime();
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    List<String> urls =
        List.of(
            SERVER.newDatabase() + "&password=" + secret,
            SERVER.url("no_such_db") + "&password=" + secret,
            "jdbc:postgresql://localhost:" + port + "/db?password=" + secret + "&user=skiff",
            "jdbc:postgres-typo://h/db?password=" + secret);
    for (String url : urls) {
      for (String argument : new String[] {null, secret}) {
        assertThatThrownBy(() -> new JdbcStoreProvider(Map.of()).open(url, argument).close())
            .satisfies(e -> assertThat(messages(e)).doesNotContain(secret));
      }
    }
    try (MetadataStore store = MetadataStores.postgres(SERVER.newDatabase(), SERVER.password())) {
      assertThat(store.toString()).doesNotContain(SERVER.password()).doesNotContain("?");
    }
    try (MetadataStore store =
        MetadataStores.postgres(SERVER.newDatabase() + "&password=" + SERVER.password(), null)) {
      assertThat(store.toString()).doesNotContain(SERVER.password());
    }
  }

  // ---- the pool

  @Test
  void openingMakesOneConnectionWhichThePoolKeeps() throws SQLException {
    String url = SERVER.newDatabase();
    try (MetadataStore store = MetadataStores.postgres(url, SERVER.password())) {
      assertThat(connections(url)).isEqualTo(1);
      store.createRun(run("r1", "digits", T0));
      store.listRuns(null, 10);
      assertThat(connections(url)).as("the call used the connection open() made").isEqualTo(1);
    }
    awaitNoConnections(url); // closing the store closes its pool
  }

  /**
   * A server restart or a DBA ending sessions: the call in flight fails, the next one reconnects.
   */
  @Test
  void aConnectionTheServerEndedFailsOneCallWithAOneLineErrorThenTheStoreReconnects()
      throws SQLException {
    String url = SERVER.newDatabase();
    try (MetadataStore store = MetadataStores.postgres(url, SERVER.password())) {
      store.createRun(run("r1", "digits", T0));
      SERVER.admin(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'skiff'"
              + " AND datname = '"
              + PostgresServer.databaseName(url)
              + "'",
          "postgres");

      assertThatThrownBy(() -> store.findRun("r1"))
          .isInstanceOf(MetadataStoreException.class)
          .hasMessageStartingWith(
              "cannot find run r1 in "
                  + location(url)
                  + ": cannot reach PostgreSQL at localhost:"
                  + SERVER.port()
                  + " (")
          .hasMessageEndingWith("): is PostgreSQL running and reachable? check --metadata-url");
      assertThat(store.findRun("r1")).isPresent();
    }
  }

  @Test
  void aStoreClosedBeforeAnyCallLeavesNoConnectionOpen() throws SQLException {
    String url = SERVER.newDatabase();

    MetadataStores.postgres(url, SERVER.password()).close();

    awaitNoConnections(url);
  }

  /** Not a timed assertion: prints the mean latency of the writes that executing steps makes. */
  @Test
  void reportsWriteLatency() {
    int steps = 1000;
    int writesPerStep = 4; // step RUNNING, artifact, links, step SUCCEEDED
    try (MetadataStore bench = MetadataStores.postgres(SERVER.newDatabase(), SERVER.password())) {
      writeSteps(bench, "warmup", "s", 300);
      long start = System.nanoTime();
      writeSteps(bench, "measured", "s", steps);
      long nanos = System.nanoTime() - start;
      System.out.printf(
          "PostgreSQL metadata store: %d writes in %.1f ms, %.1f us per write%n",
          steps * writesPerStep, nanos / 1e6, nanos / 1000.0 / (steps * writesPerStep));
      assertThat(bench.listSteps("measured")).hasSize(steps);
    }
  }

  // ---- helpers

  /** Starts {@code n} tasks that begin at the same moment, and waits for all of them. */
  private static void runAtOnce(int n, java.util.function.IntFunction<Callable<Void>> task)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Void>> done = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        Callable<Void> work = task.apply(t);
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  return work.call();
                }));
      }
      start.countDown();
      for (Future<Void> future : done) {
        future.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void assertAllStepsSucceeded(MetadataStore store, int expected) {
    List<StepRecord> steps = store.listSteps("run");
    assertThat(steps).hasSize(expected);
    assertThat(steps).allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.SUCCEEDED));
    assertThat(store.listArtifacts("run", expected + 1)).hasSize(expected);
    for (StepRecord step : steps) {
      assertThat(store.stepOutputs("run", step.name())).containsOnlyKeys("out");
    }
  }

  /** Version, script and success of each applied migration, in order. */
  private static List<String> expectedHistory() {
    return List.of(
        "1 V1__metadata.sql true",
        "2 V2__stacks.sql true",
        "3 V3__corrupt_artifacts.sql true",
        "4 V4__run_lifecycle.sql true");
  }

  private static List<String> history(String url) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection connection = connect(url);
        Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                "SELECT version, script, success FROM skiff_schema_history ORDER BY installed_rank")) {
      while (row.next()) {
        rows.add(row.getString(1) + " " + row.getString(2) + " " + row.getBoolean(3));
      }
    }
    return rows;
  }

  /** Open connections of the store (application name "skiff") to the database of {@code url}. */
  private static int connections(String url) throws SQLException {
    String database = PostgresServer.databaseName(url);
    return count(
        url,
        "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'skiff' AND datname = '"
            + database
            + "'");
  }

  private static void awaitNoConnections(String url) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    // The server ends a backend a moment after its client hung up.
    while (connections(url) > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(connections(url)).isZero();
  }

  private static int count(String url, String sql) throws SQLException {
    try (Connection connection = connect(url);
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getInt(1);
    }
  }

  private static void execute(String url, String sql) throws SQLException {
    try (Connection connection = connect(url);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static Connection connect(String url) throws SQLException {
    return DriverManager.getConnection(url, SERVER.user(), SERVER.password());
  }

  private static String location(String url) {
    return url.substring(0, url.indexOf('?'));
  }

  /** Every message of {@code e} and its causes and suppressed exceptions. */
  private static String messages(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t).append('\n');
      for (Throwable s : t.getSuppressed()) {
        all.append(messages(s));
      }
    }
    return all.toString();
  }

  private static void restore(String property, String previous) {
    if (previous == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, previous);
    }
  }
}
