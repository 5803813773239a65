package dev.skiff.store.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * A {@code jdbc:postgresql:} URL taken apart: the address to connect to without its {@code
 * password=} parameter (the password travels as a connection property, so it never shows in the
 * driver's messages or {@code DatabaseMetaData.getURL()}), and what error messages name: host,
 * port, database, user. {@link #toString()} shows only the redacted {@link #location()}.
 */
public final class PostgresUrl {
  public static final String PREFIX = "jdbc:postgresql:";
  private static final String PASSWORD_PARAMETER = "password=";

  private final String connectUrl;
  private final String password;
  private final String location;
  private final String hosts;
  private final String ports;
  private final String database;
  private final String user;

  private PostgresUrl(
      String connectUrl,
      String password,
      String location,
      String hosts,
      String ports,
      String database,
      String user) {
    this.connectUrl = connectUrl;
    this.password = password;
    this.location = location;
    this.hosts = hosts;
    this.ports = ports;
    this.database = database;
    this.user = user;
  }

  /**
   * @throws IllegalArgumentException if {@code url} is not a PostgreSQL JDBC URL; the message shows
   *     it without its query
   */
  public static PostgresUrl parse(String url) {
    String location = redact(url);
    if (!url.startsWith(PREFIX)) {
      throw invalid(location);
    }
    int query = url.indexOf('?');
    String password = null;
    List<String> kept = new ArrayList<>();
    if (query >= 0) {
      for (String parameter : url.substring(query + 1).split("&")) {
        if (parameter.startsWith(PASSWORD_PARAMETER)) {
          password =
              URLDecoder.decode(
                  parameter.substring(PASSWORD_PARAMETER.length()), StandardCharsets.UTF_8);
        } else if (!parameter.isEmpty()) {
          kept.add(parameter);
        }
      }
    }
    String connectUrl =
        (query < 0 ? url : url.substring(0, query))
            + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    Properties parsed = Driver.parseURL(connectUrl, null);
    if (parsed == null) {
      throw invalid(location);
    }
    String user = parsed.getProperty("user");
    return new PostgresUrl(
        connectUrl,
        password == null || password.isEmpty() ? null : password,
        location,
        parsed.getProperty("PGHOST"),
        parsed.getProperty("PGPORT"),
        parsed.getProperty("PGDBNAME"),
        user != null ? user : System.getProperty("user.name"));
  }

  /** The URL without its query (which may hold a password) and without {@code user:password@}. */
  public static String redact(String url) {
    int query = url.indexOf('?');
    String base = query < 0 ? url : url.substring(0, query);
    int authority = base.indexOf("//");
    int at = base.indexOf('@');
    if (authority >= 0 && at > authority) {
      base = base.substring(0, authority + 2) + base.substring(at + 1);
    }
    return base;
  }

  /** The URL to connect to: the given one without its {@code password=} parameter. */
  public String connectUrl() {
    return connectUrl;
  }

  /** The URL's own {@code password=} parameter, or null. */
  public String password() {
    return password;
  }

  /** What messages show: the URL without its query. */
  public String location() {
    return location;
  }

  /** {@code host:port}, comma-separated when the URL lists several servers. */
  public String address() {
    String[] h = hosts.split(",");
    String[] p = ports.split(",");
    StringBuilder address = new StringBuilder();
    for (int i = 0; i < h.length; i++) {
      if (i > 0) {
        address.append(',');
      }
      address.append(h[i]).append(':').append(i < p.length ? p[i] : p[p.length - 1]);
    }
    return address.toString();
  }

  public String database() {
    return database;
  }

  /** The login: the URL's {@code user=}, else the driver's default, the operating system user. */
  public String user() {
    return user;
  }

  @Override
  public String toString() {
    return location;
  }

  private static IllegalArgumentException invalid(String location) {
    return new IllegalArgumentException(
        "'"
            + location
            + "' is not a PostgreSQL JDBC URL: expected"
            + " jdbc:postgresql://HOST:PORT/DATABASE?user=USER");
  }
}
