package dev.skiff.store.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** SQL for the {@code project_settings} table: project-wide key-value settings. */
public final class SettingTable {

  private static final String FIND = "SELECT value FROM project_settings WHERE key = ?";
  private static final String UPSERT =
      "INSERT INTO project_settings (key, value) VALUES (?, ?)"
          + " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
  private static final String WITH_PREFIX =
      "SELECT key, value FROM project_settings WHERE key LIKE ? ESCAPE '!'";
  private static final String DELETE = "DELETE FROM project_settings WHERE key = ?";

  private SettingTable() {}

  public static Optional<String> get(Session db, String key) throws SQLException {
    PreparedStatement find = db.prepare(FIND);
    find.setString(1, key);
    try (ResultSet row = find.executeQuery()) {
      return row.next() ? Optional.ofNullable(row.getString(1)) : Optional.empty();
    }
  }

  /**
   * Settings whose key starts with {@code prefix}, sorted by key (in Java: databases collate
   * differently).
   */
  public static java.util.SortedMap<String, String> withPrefix(Session db, String prefix)
      throws SQLException {
    PreparedStatement query = db.prepare(WITH_PREFIX);
    query.setString(1, Columns.startsWith(prefix));
    java.util.SortedMap<String, String> out = new java.util.TreeMap<>();
    try (ResultSet row = query.executeQuery()) {
      while (row.next()) {
        out.put(row.getString(1), row.getString(2));
      }
    }
    return out;
  }

  /** Inserts or replaces the setting; {@code value} null removes it. */
  public static void put(Session db, String key, String value) throws SQLException {
    if (value == null) {
      PreparedStatement delete = db.prepare(DELETE);
      delete.setString(1, key);
      delete.executeUpdate();
      return;
    }
    PreparedStatement upsert = db.prepare(UPSERT);
    upsert.setString(1, key);
    upsert.setString(2, value);
    upsert.executeUpdate();
  }
}
