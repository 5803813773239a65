package dev.skiff.store.internal;

import static dev.skiff.store.internal.Columns.getInstant;
import static dev.skiff.store.internal.Columns.setInstant;

import dev.skiff.core.stack.SecretRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** SQL for the {@code secrets} table; values are stored as encrypted, never decrypted here. */
public final class SecretTable {

  private static final String COLUMNS = "name, encrypted_values, created_at, updated_at";

  private static final String UPSERT =
      "INSERT INTO secrets ("
          + COLUMNS
          + ") VALUES (?, ?, ?, ?)"
          + " ON CONFLICT (name) DO UPDATE SET encrypted_values = excluded.encrypted_values,"
          + " created_at = excluded.created_at, updated_at = excluded.updated_at";
  private static final String FIND = "SELECT " + COLUMNS + " FROM secrets WHERE name = ?";
  private static final String LIST = "SELECT " + COLUMNS + " FROM secrets";
  private static final String DELETE = "DELETE FROM secrets WHERE name = ?";

  private SecretTable() {}

  public static void upsert(Session db, SecretRecord secret) throws SQLException {
    PreparedStatement upsert = db.prepare(UPSERT);
    upsert.setString(1, secret.name());
    // Sorted keys: the same secret is always the same text.
    upsert.setString(2, Json.write(new TreeMap<>(secret.encryptedValues())));
    setInstant(upsert, 3, secret.createdAt());
    setInstant(upsert, 4, secret.updatedAt());
    upsert.executeUpdate();
  }

  public static Optional<SecretRecord> find(Session db, String name) throws SQLException {
    PreparedStatement find = db.prepare(FIND);
    find.setString(1, name);
    return read(find).stream().findFirst();
  }

  /** Sorted by name. */
  public static List<SecretRecord> list(Session db) throws SQLException {
    List<SecretRecord> secrets = read(db.prepare(LIST));
    secrets.sort(Comparator.comparing(SecretRecord::name));
    return secrets;
  }

  /** Returns whether it existed. */
  public static boolean delete(Session db, String name) throws SQLException {
    PreparedStatement delete = db.prepare(DELETE);
    delete.setString(1, name);
    return delete.executeUpdate() > 0;
  }

  private static List<SecretRecord> read(PreparedStatement query) throws SQLException {
    List<SecretRecord> secrets = new ArrayList<>();
    try (ResultSet row = query.executeQuery()) {
      while (row.next()) {
        String name = row.getString("name");
        secrets.add(
            new SecretRecord(
                name,
                Json.readStringMap(row.getString("encrypted_values"), "values of secret " + name),
                getInstant(row, "created_at"),
                getInstant(row, "updated_at")));
      }
    }
    return secrets;
  }
}
