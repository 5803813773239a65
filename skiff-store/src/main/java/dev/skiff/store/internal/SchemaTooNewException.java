package dev.skiff.store.internal;

import java.sql.SQLException;

/**
 * The database's schema was migrated by a newer Skiff: this one would misread or damage what the
 * newer one wrote, so it refuses to open the store.
 */
public final class SchemaTooNewException extends SQLException {

  private static final long serialVersionUID = 1L;

  SchemaTooNewException(String found, String known) {
    super(
        "the metadata database was migrated by a newer Skiff (schema "
            + found
            + ", this Skiff knows "
            + known
            + "): upgrade Skiff");
  }
}
