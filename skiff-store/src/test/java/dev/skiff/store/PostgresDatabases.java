package dev.skiff.store;

import dev.skiff.testing.postgres.PostgresServer;

/**
 * Databases of the shared test server already at the newest schema: copies of one migrated once per
 * JVM, so each contract test starts from an empty store without paying for migration (tests of
 * migration itself use {@link PostgresServer#newDatabase()}).
 */
final class PostgresDatabases {
  private static String template;

  private PostgresDatabases() {}

  /** The URL of a new, empty, migrated database; the password is the server's. */
  static synchronized String newMigrated() {
    PostgresServer server = PostgresServer.shared();
    if (template == null) {
      String url = server.newDatabase();
      MetadataStores.postgres(url, server.password()).close();
      template = PostgresServer.databaseName(url);
    }
    return server.newDatabase(template);
  }
}
