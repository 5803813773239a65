package dev.skiff.store.internal;

import static dev.skiff.store.internal.Columns.findEnum;
import static dev.skiff.store.internal.Columns.getInstant;
import static dev.skiff.store.internal.Columns.setInstant;

import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code components} table. */
public final class ComponentTable {

  private static final String COLUMNS = "type, name, flavor, config, created_at, updated_at";

  private static final String UPSERT =
      "INSERT INTO components ("
          + COLUMNS
          + ") VALUES (?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (type, name) DO UPDATE SET flavor = excluded.flavor,"
          + " config = excluded.config, created_at = excluded.created_at,"
          + " updated_at = excluded.updated_at";
  private static final String FIND =
      "SELECT " + COLUMNS + " FROM components WHERE type = ? AND name = ?";
  private static final String LIST_ALL = "SELECT " + COLUMNS + " FROM components";
  private static final String LIST_TYPE = "SELECT " + COLUMNS + " FROM components WHERE type = ?";
  private static final String DELETE = "DELETE FROM components WHERE type = ? AND name = ?";

  // Sorted here rather than in SQL: enum order is not in the table, and databases collate
  // text differently (PostgreSQL by locale), while lists must read the same on every backend.
  private static final Comparator<ComponentRecord> ORDER =
      Comparator.comparing(ComponentRecord::type).thenComparing(ComponentRecord::name);

  private ComponentTable() {}

  public static void upsert(Session db, ComponentRecord component) throws SQLException {
    PreparedStatement upsert = db.prepare(UPSERT);
    upsert.setString(1, component.type().name());
    upsert.setString(2, component.name());
    upsert.setString(3, component.flavor());
    upsert.setString(4, Json.write(component.config()));
    setInstant(upsert, 5, component.createdAt());
    setInstant(upsert, 6, component.updatedAt());
    upsert.executeUpdate();
  }

  public static Optional<ComponentRecord> find(Session db, ComponentType type, String name)
      throws SQLException {
    PreparedStatement find = db.prepare(FIND);
    find.setString(1, type.name());
    find.setString(2, name);
    return read(find).stream().findFirst();
  }

  /** Sorted by type, then name; {@code type} null for all types. */
  public static List<ComponentRecord> list(Session db, ComponentType type) throws SQLException {
    PreparedStatement list;
    if (type == null) {
      list = db.prepare(LIST_ALL);
    } else {
      list = db.prepare(LIST_TYPE);
      list.setString(1, type.name());
    }
    List<ComponentRecord> components = read(list);
    components.sort(ORDER);
    return components;
  }

  /** Returns whether it existed. */
  public static boolean delete(Session db, ComponentType type, String name) throws SQLException {
    PreparedStatement delete = db.prepare(DELETE);
    delete.setString(1, type.name());
    delete.setString(2, name);
    return delete.executeUpdate() > 0;
  }

  /** Rows of component types this version does not know are left out. */
  private static List<ComponentRecord> read(PreparedStatement query) throws SQLException {
    List<ComponentRecord> components = new ArrayList<>();
    try (ResultSet row = query.executeQuery()) {
      while (row.next()) {
        ComponentType type = findEnum(row, "type", ComponentType.class);
        if (type == null) {
          continue;
        }
        String name = row.getString("name");
        components.add(
            new ComponentRecord(
                type,
                name,
                row.getString("flavor"),
                Json.readObject(
                    row.getString("config"), "config of " + type.cliName() + " " + name),
                getInstant(row, "created_at"),
                getInstant(row, "updated_at")));
      }
    }
    return components;
  }
}
