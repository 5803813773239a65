package dev.skiff.store.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;

/** Conversions between Java values and the portable column types (TEXT, BIGINT) of the schema. */
final class Columns {

  private Columns() {}

  /** Instants are stored as epoch milliseconds: sortable, and the same on every database. */
  static void setInstant(PreparedStatement statement, int index, Instant value)
      throws SQLException {
    if (value == null) {
      // A typed null: PostgreSQL rejects a VARCHAR null for a BIGINT column.
      statement.setNull(index, Types.BIGINT);
    } else {
      statement.setLong(index, value.toEpochMilli());
    }
  }

  static Instant getInstant(ResultSet row, String column) throws SQLException {
    long millis = row.getLong(column);
    return row.wasNull() ? null : Instant.ofEpochMilli(millis);
  }

  static <E extends Enum<E>> E getEnum(ResultSet row, String column, Class<E> type)
      throws SQLException {
    return Enum.valueOf(type, row.getString(column));
  }

  /**
   * The constant named by the column, or null for a name this version does not know (a newer Skiff
   * may have written it).
   */
  static <E extends Enum<E>> E findEnum(ResultSet row, String column, Class<E> type)
      throws SQLException {
    String name = row.getString(column);
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(name)) {
        return constant;
      }
    }
    return null;
  }

  /**
   * A LIKE pattern matching strings that start with {@code prefix}, for use with {@code ESCAPE
   * '!'}: '%' and '_' typed by people match only themselves.
   */
  static String startsWith(String prefix) {
    StringBuilder pattern = new StringBuilder(prefix.length() + 1);
    for (char c : prefix.toCharArray()) {
      if (c == '%' || c == '_' || c == '!') {
        pattern.append('!');
      }
      pattern.append(c);
    }
    return pattern.append('%').toString();
  }
}
