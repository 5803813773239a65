package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.CliPipelines.Tiny;
import dev.skiff.cli.internal.HomeConfig;
import dev.skiff.cli.internal.Project;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.ScheduleRecord;
import dev.skiff.testing.postgres.PostgresServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Skiff home on PostgreSQL ({@code skiff init --metadata-url}), against a real server from
 * embedded binaries: everything that works on the SQLite file works there too.
 */
class PostgresHomeTest extends CliTestSupport {
  private static final PostgresServer SERVER = PostgresServer.shared();

  /** The database of this test's home, without the password. */
  String url;

  @BeforeEach
  void initPostgresHome() {
    url = SERVER.newDatabase();
    project = tmp.resolve("pg");
    Result init =
        skiff(
            "init", project.toString(), "--metadata-url=" + url + "&password=" + SERVER.password());
    assertThat(init.exitCode()).as("%s", init).isZero();
  }

  @Test
  void initRecordsTheUrlAndSealsThePassword() throws IOException, SQLException {
    Path home = project.resolve(".skiff").toAbsolutePath().normalize();
    Properties config = new Properties();
    try (var reader = Files.newBufferedReader(home.resolve("config.properties"))) {
      config.load(reader);
    }

    assertThat(config.getProperty("metadata.url")).isEqualTo(url);
    assertThat(config.getProperty("metadata.password.sealed")).isNotBlank();
    assertThat(Files.getPosixFilePermissions(home.resolve("config.properties")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(home.resolve("skiff.db")).doesNotExist();
    assertThat(filesContaining(home, SERVER.password())).isEmpty();
    Project p = Project.findUpward(project, Map.of()).orElseThrow();
    assertThat(p.metadataUrl()).isEqualTo(url);
    assertThat(p.metadataPassword()).isEqualTo(SERVER.password());
    // init made the default stack in PostgreSQL
    assertThat(query("SELECT name FROM stacks")).isEqualTo("default");
  }

  @Test
  void initPrintsWhereMetadataGoesWithoutThePassword() {
    Path dir = tmp.resolve("fresh");

    Result r =
        skiff("init", dir.toString(), "--metadata-url=" + url + "&password=" + SERVER.password());

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.outLines())
        .containsExactly(
            "Initialized Skiff in " + dir.resolve(".skiff").toAbsolutePath().normalize(),
            "Metadata store: " + url.substring(0, url.indexOf('?')) + "?…");
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).doesNotContain(SERVER.password());
  }

  @Test
  void runsCacheLineageStacksSecretsAndSchedulesLiveInPostgres() throws SQLException {
    Result first = runOk(Tiny.class);
    Result second = runOk(Tiny.class);

    // runs and the cache
    JsonNode runs = runs("list", "-o", "json").json();
    assertThat(runs).hasSize(2);
    assertThat(runs.get(1).get("id").asText()).isEqualTo(first.runId());
    assertThat(runs.get(0).get("status").asText()).isEqualTo("SUCCEEDED");
    for (String step : List.of("load", "train", "evaluate")) {
      assertThat(second.out())
          .containsPattern(
              stepLine(step, "cached \\(outputs of run " + Pattern.quote(first.runId()) + "\\)"));
    }
    // lineage
    JsonNode described = runs("describe", first.runId(), "-o", "json").json();
    JsonNode evaluate = described.get("steps").get(2);
    assertThat(evaluate.get("inputs")).hasSize(3);
    assertThat(artifacts("list", "--run", first.runId(), "-o", "json").json()).isNotEmpty();

    // a stack whose steps run in their own JVMs: they reach PostgreSQL with the sealed password,
    // handed to them in their environment
    ok("orchestrator", "register", "procs", "--flavor", "local", "--isolation=process");
    ok("stack", "register", "separate", "-o", "procs", "-a", "default", "--set");
    Result inProcesses = runOk(Tiny.class, "--no-cache");
    assertThat(inProcesses.out()).containsPattern(stepLine("evaluate", "accuracy: 0\\.875"));
    assertThat(inProcesses.out()).doesNotContain(SERVER.password());

    // secrets
    ok("secret", "create", "db", "--user=admin", "--password=hunter2-horse");
    assertThat(ok("secret", "list", "-o", "json").json().get(0).get("name").asText())
        .isEqualTo("db");

    // schedules are project settings, one row each (only a kubernetes stack can make one: this
    // writes the row as it would)
    try (MetadataStore store =
        Project.findUpward(project, Map.of()).orElseThrow().openMetadataStore()) {
      new ScheduleRecord(
              "tiny",
              "nightly",
              "0 3 * * *",
              "separate",
              "local",
              "ml/tiny-nightly",
              "{}",
              false,
              Instant.now())
          .save(store);
    }
    JsonNode schedules = ok("schedules", "list", "-o", "json").json();
    assertThat(schedules).hasSize(1);
    assertThat(schedules.get(0).get("name").asText()).isEqualTo("nightly");

    assertThat(query("SELECT COUNT(*) FROM runs")).isEqualTo("3");
    assertThat(query("SELECT COUNT(*) FROM steps WHERE status = 'CACHED'")).isEqualTo("3");
    assertThat(query("SELECT string_agg(name, ',' ORDER BY name) FROM stacks"))
        .isEqualTo("default,separate");
    assertThat(query("SELECT value FROM project_settings WHERE key = 'active_stack'"))
        .isEqualTo("separate");
    assertThat(query("SELECT COUNT(*) FROM secrets")).isEqualTo("1");
    assertThat(query("SELECT encrypted_values FROM secrets")).doesNotContain("hunter2-horse");
    assertThat(query("SELECT value FROM project_settings WHERE key = 'schedule/tiny/nightly'"))
        .contains("\"cron\":\"0 3 * * *\"");
    assertThat(project.resolve(".skiff/skiff.db")).doesNotExist();
  }

  @Test
  void aKubernetesStackPassesTheStoreChecksThatRefuseSqlite() {
    ok(
        "artifact-store",
        "register",
        "nfs",
        "--flavor",
        "local",
        "--path=" + tmp.resolve("nfs"),
        "--mounted-in-pods=true");
    ok(
        "orchestrator",
        "register",
        "k8s",
        "--flavor",
        "kubernetes",
        "--image=registry.local/team/skiff:tiny",
        "--kubernetes-context=nowhere");
    ok("stack", "register", "kube", "-o", "k8s", "-a", "nfs", "--set");

    assertThat(ok("stack", "describe", "kube").out())
        .contains(
            "Checks: ready (artifact store reachable; stores reachable by the orchestrator's executors)");
    // refused only later, for want of a cluster: no complaint about the metadata store
    assertOneLineError(run(Tiny.class), "kubeconfig has no context 'nowhere'");
  }

  @Test
  void anUnreachableDatabaseIsAOneLineErrorAndNothingIsWritten() throws IOException {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path dir = tmp.resolve("unreachable");

    Result r =
        skiff(
            "init",
            dir.toString(),
            "--metadata-url=jdbc:postgresql://localhost:"
                + port
                + "/skiff?user=skiff&password=pw-1234");

    assertOneLineError(
        r,
        "cannot open metadata store at jdbc:postgresql://localhost:"
            + port
            + "/skiff: cannot reach PostgreSQL at localhost:"
            + port
            + " (Connection refused): is PostgreSQL running and reachable? check --metadata-url");
    assertThat(r.err()).doesNotContain("pw-1234");
    assertThat(dir).doesNotExist();
  }

  @Test
  void aRefusedLoginIsAOneLineErrorWithoutThePasswordAndNothingIsWritten() {
    Path dir = tmp.resolve("refused");
    String wrong = "wrong-" + SERVER.password();

    Result r = skiff("init", dir.toString(), "--metadata-url=" + url + "&password=" + wrong);

    assertOneLineError(
        r,
        "cannot open metadata store at "
            + url.substring(0, url.indexOf('?'))
            + ": PostgreSQL at localhost:"
            + SERVER.port()
            + " refused the login of user 'skiff' (password authentication failed for user \"skiff\"): set SKIFF_METADATA_PASSWORD or ~/.pgpass");
    assertThat(r.err()).doesNotContain(wrong).doesNotContain(SERVER.password());
    assertThat(dir).doesNotExist();
  }

  @Test
  void aMissingDatabaseIsAOneLineError() {
    Path dir = tmp.resolve("missing");

    Result r =
        skiff(
            "init",
            dir.toString(),
            "--metadata-url=" + SERVER.url("nope") + "&password=" + SERVER.password());

    assertOneLineError(
        r,
        "cannot open metadata store at jdbc:postgresql://localhost:"
            + SERVER.port()
            + "/nope: database 'nope' does not exist");
    assertThat(dir).doesNotExist();
  }

  @Test
  void initWithoutTheOptionKeepsThePostgresHome() throws IOException {
    Path config = project.resolve(".skiff/config.properties");
    String before = Files.readString(config);

    Result again = skiff("init", project.toString());

    assertThat(again.exitCode()).as("%s", again).isZero();
    assertThat(again.out().strip())
        .isEqualTo(
            "Skiff is already initialized in "
                + project.resolve(".skiff").toAbsolutePath().normalize());
    assertThat(Files.readString(config)).isEqualTo(before);
    assertThat(project.resolve(".skiff/skiff.db")).doesNotExist();
  }

  @Test
  void anSqliteHomePointedAtPostgresWarnsThatItsRunsStayInTheFile() {
    Path sqliteHome = tmp.resolve("project"); // CliTestSupport made it, on SQLite
    skiff("run", Tiny.class.getName(), "--project", sqliteHome.toString());
    String other = SERVER.newDatabase();

    Result r =
        skiff(
            "init",
            sqliteHome.toString(),
            "--metadata-url=" + other + "&password=" + SERVER.password());

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.errLines())
        .containsExactly(
            "warning: runs recorded so far stay in "
                + sqliteHome.resolve(".skiff/skiff.db").toAbsolutePath().normalize()
                + "; this home now records in "
                + other.substring(0, other.indexOf('?'))
                + "?…");
    assertThat(skiff("runs", "list", "-o", "json", "--project", sqliteHome.toString()).json())
        .isEmpty();
  }

  @Test
  void passwordFromTheEnvironmentOrPgpassIsNotSealed() {
    Path dir = tmp.resolve("no-password-in-url");
    // No password anywhere the CLI can see in-process; the URL's own goes in only for the check
    // of a second home on the same database, which must then seal nothing.
    Project.init(dir).useMetadataStore(url, null);

    Project p = Project.findUpward(dir, Map.of()).orElseThrow();
    assertThat(p.metadataUrl()).isEqualTo(url);
    assertThat(p.metadataPassword()).isNull();
    assertThat(
            Project.findUpward(dir, Map.of(Project.METADATA_PASSWORD_ENV, "from-env"))
                .orElseThrow()
                .metadataPassword())
        .isEqualTo("from-env");
    assertThat(HomeConfig.read(dir.resolve(".skiff")).sealedMetadataPassword()).isEmpty();
  }

  @Test
  void skiffMetadataUrlOverridesTheHomeForOneShell() {
    String other = SERVER.newDatabase();
    Map<String, String> env = new HashMap<>();
    env.put(Project.METADATA_URL_ENV, other);

    Project p = Project.findUpward(project, env).orElseThrow();

    assertThat(p.metadataUrl()).isEqualTo(other);
    assertThat(p.homeMetadataUrl()).isEqualTo(url);
    // the sealed password belongs to the home's own server: never sent to another one
    assertThat(p.metadataPassword()).isNull();
    env.put(Project.METADATA_PASSWORD_ENV, SERVER.password());
    Project withPassword = Project.findUpward(project, env).orElseThrow();
    assertThat(withPassword.metadataPassword()).isEqualTo(SERVER.password());
    try (MetadataStore store = withPassword.openMetadataStore()) {
      assertThat(store.listRuns(null, 10)).isEmpty(); // the other database, migrated on open
    }
    assertThat(
            Project.findUpward(project, Map.of(Project.METADATA_URL_ENV, url))
                .orElseThrow()
                .metadataPassword())
        .isEqualTo(SERVER.password());
  }

  @Test
  void anSqliteHomeHasNoMetadataPasswordAndItsUsualUrl() {
    Project p = Project.findUpward(tmp.resolve("project"), Map.of()).orElseThrow();

    assertThat(p.metadataUrl()).isEqualTo("jdbc:sqlite:" + p.home().resolve("skiff.db"));
    assertThat(p.metadataPassword()).isNull();
    assertThat(p.home().resolve("config.properties")).doesNotExist();
  }

  private String query(String sql) throws SQLException {
    try (Connection connection =
            DriverManager.getConnection(url, SERVER.user(), SERVER.password());
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      assertThat(row.next()).as(sql).isTrue();
      return row.getString(1);
    }
  }

  private static List<Path> filesContaining(Path dir, String text) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(
              f -> {
                try {
                  return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)
                      .contains(text);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .toList();
    }
  }
}
