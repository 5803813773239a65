package dev.skiff.testing.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A real PostgreSQL server from embedded binaries (zonky), on localhost and a free port, for tests.
 * {@link #shared()} starts one per JVM on first use (about 4 s) and stops it at JVM exit; tests
 * isolate themselves with {@link #newDatabase()}, one {@code CREATE DATABASE} each.
 *
 * <p>Logins are checked as on a real server: user {@link #user()} logs in with {@link #password()}
 * (scram-sha-256), so tests can get a wrong password refused. Only the {@code postgres} superuser,
 * which the fixture uses to create databases, is trusted without one.
 */
public final class PostgresServer implements AutoCloseable {
  /** The login that tests and the product use; owns every database {@link #newDatabase()} makes. */
  public static final String USER = "skiff";

  private static final String SUPERUSER = "postgres";
  // The superuser keeps zonky's trust login (the fixture's own connections); everyone else must
  // give a password, over TCP and the Unix socket alike.
  private static final String PG_HBA =
      """
      local all postgres trust
      host  all postgres 127.0.0.1/32 trust
      host  all postgres ::1/128 trust
      local all all scram-sha-256
      host  all all 127.0.0.1/32 scram-sha-256
      host  all all ::1/128 scram-sha-256
      """;

  private static PostgresServer shared;

  private final EmbeddedPostgres postgres;
  private final String password;
  private final AtomicInteger databases = new AtomicInteger();

  private PostgresServer(EmbeddedPostgres postgres, String password) {
    this.postgres = postgres;
    this.password = password;
  }

  /** The server of this JVM, started on first use and stopped when the JVM exits. */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      PostgresServer server = start(Map.of());
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "postgres-server-stop"));
      shared = server;
    }
    return shared;
  }

  /**
   * A new server of its own, which the caller closes. {@code serverConfig} adds {@code
   * postgresql.conf} settings to zonky's defaults (which include {@code synchronous_commit=off}:
   * pass {@code "on"} to measure durable commits).
   */
  public static PostgresServer start(Map<String, String> serverConfig) {
    String password = "pw-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
    try {
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath()))
              // PostgreSQL's own noise (checkpoints, "database system is ready") stays out of test
              // output
              .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
              .setErrorRedirector(ProcessBuilder.Redirect.DISCARD);
      serverConfig.forEach(builder::setServerConfig);
      EmbeddedPostgres postgres = builder.start();
      PostgresServer server = new PostgresServer(postgres, password);
      server.admin(
          "CREATE ROLE " + USER + " LOGIN CREATEDB PASSWORD '" + password + "'", "postgres");
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL: " + e.getMessage(), e);
    }
  }

  /**
   * A new, empty database owned by {@link #user()}; returns its URL ({@link #url(String)}). Its
   * name is {@code skiff_test_N}.
   */
  public String newDatabase() {
    String name = "skiff_test_" + databases.incrementAndGet();
    admin("CREATE DATABASE " + name + " OWNER " + USER, "postgres");
    return url(name);
  }

  /**
   * A new database copied from {@code template} (e.g. one a test class migrated once, so each test
   * skips the migration); returns its URL. Waits for the template's last connections to close:
   * PostgreSQL copies no database that is in use.
   */
  public String newDatabase(String template) {
    String name = "skiff_test_" + databases.incrementAndGet();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try {
        admin("CREATE DATABASE " + name + " TEMPLATE " + template + " OWNER " + USER, "postgres");
        return url(name);
      } catch (IllegalStateException e) {
        boolean inUse = e.getCause() instanceof SQLException s && "55006".equals(s.getSQLState());
        if (!inUse || System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(20_000_000L);
      }
    }
  }

  /** The name of the database of a URL this server gave. */
  public static String databaseName(String url) {
    int query = url.indexOf('?');
    return url.substring(url.lastIndexOf('/') + 1, query < 0 ? url.length() : query);
  }

  /** {@code jdbc:postgresql://localhost:PORT/DB?user=skiff}, without the password. */
  public String url(String database) {
    return "jdbc:postgresql://" + host() + ":" + port() + "/" + database + "?user=" + USER;
  }

  public String host() {
    return "localhost";
  }

  public int port() {
    return postgres.getPort();
  }

  public String user() {
    return USER;
  }

  /** The password of {@link #user()}: random per server, so no test can depend on its value. */
  public String password() {
    return password;
  }

  /** Runs {@code sql} as the superuser in {@code database}, e.g. to create or drop things. */
  public void admin(String sql, String database) {
    try (Connection connection = postgres.getDatabase(SUPERUSER, database).getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot run " + sql.split(" ")[0] + " on embedded PostgreSQL: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeHba(Path dataDirectory) {
    try {
      Files.writeString(dataDirectory.resolve("pg_hba.conf"), PG_HBA);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
