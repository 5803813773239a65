package dev.skiff.store.internal;

import static dev.skiff.store.internal.Columns.findEnum;
import static dev.skiff.store.internal.Columns.getInstant;
import static dev.skiff.store.internal.Columns.setInstant;

import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.StackRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SQL for {@code stacks} and {@code stack_components}: a stack row, and one row per component type
 * it uses, so new component types need no schema change.
 */
public final class StackTable {

  private static final String UPSERT =
      "INSERT INTO stacks (name, created_at, updated_at) VALUES (?, ?, ?)"
          + " ON CONFLICT (name) DO UPDATE SET created_at = excluded.created_at,"
          + " updated_at = excluded.updated_at";
  private static final String DELETE_COMPONENTS = "DELETE FROM stack_components WHERE stack = ?";
  private static final String INSERT_COMPONENT =
      "INSERT INTO stack_components (stack, type, component) VALUES (?, ?, ?)";
  private static final String DELETE = "DELETE FROM stacks WHERE name = ?";
  // One query per read, so a stack is never seen with half of its components.
  private static final String SELECT =
      "SELECT s.name, s.created_at, s.updated_at, c.type, c.component"
          + " FROM stacks s LEFT JOIN stack_components c ON c.stack = s.name";
  private static final String FIND = SELECT + " WHERE s.name = ?";

  private StackTable() {}

  /** Inserts or replaces the stack and all its component entries; call inside a transaction. */
  public static void upsert(Session db, StackRecord stack) throws SQLException {
    PreparedStatement upsert = db.prepare(UPSERT);
    upsert.setString(1, stack.name());
    setInstant(upsert, 2, stack.createdAt());
    setInstant(upsert, 3, stack.updatedAt());
    upsert.executeUpdate();
    deleteComponents(db, stack.name());
    if (stack.components().isEmpty()) {
      return;
    }
    PreparedStatement insert = db.prepare(INSERT_COMPONENT);
    for (Map.Entry<ComponentType, String> entry : new EnumMap<>(stack.components()).entrySet()) {
      insert.setString(1, stack.name());
      insert.setString(2, entry.getKey().name());
      insert.setString(3, entry.getValue());
      insert.addBatch();
    }
    insert.executeBatch();
  }

  public static Optional<StackRecord> find(Session db, String name) throws SQLException {
    PreparedStatement find = db.prepare(FIND);
    find.setString(1, name);
    return read(find).stream().findFirst();
  }

  /** Sorted by name. */
  public static List<StackRecord> list(Session db) throws SQLException {
    List<StackRecord> stacks = read(db.prepare(SELECT));
    stacks.sort(Comparator.comparing(StackRecord::name));
    return stacks;
  }

  /** Deletes the stack and its component entries; call inside a transaction. */
  public static boolean delete(Session db, String name) throws SQLException {
    deleteComponents(db, name);
    PreparedStatement delete = db.prepare(DELETE);
    delete.setString(1, name);
    return delete.executeUpdate() > 0;
  }

  private static void deleteComponents(Session db, String stack) throws SQLException {
    PreparedStatement delete = db.prepare(DELETE_COMPONENTS);
    delete.setString(1, stack);
    delete.executeUpdate();
  }

  /** Entries of component types this version does not know are left out. */
  private static List<StackRecord> read(PreparedStatement query) throws SQLException {
    Map<String, Row> rows = new LinkedHashMap<>();
    try (ResultSet row = query.executeQuery()) {
      while (row.next()) {
        String name = row.getString("name");
        Row stack = rows.get(name);
        if (stack == null) {
          stack =
              new Row(
                  getInstant(row, "created_at"),
                  getInstant(row, "updated_at"),
                  new EnumMap<>(ComponentType.class));
          rows.put(name, stack);
        }
        ComponentType type = findEnum(row, "type", ComponentType.class);
        if (type != null) {
          stack.components().put(type, row.getString("component"));
        }
      }
    }
    List<StackRecord> stacks = new ArrayList<>(rows.size());
    rows.forEach(
        (name, r) ->
            stacks.add(new StackRecord(name, r.components(), r.createdAt(), r.updatedAt())));
    return stacks;
  }

  private record Row(
      Instant createdAt, Instant updatedAt, EnumMap<ComponentType, String> components) {}
}
