package dev.skiff.store;

import dev.skiff.core.stack.StackStore;
import dev.skiff.testing.StackStoreContractTest;
import dev.skiff.testing.postgres.PostgresServer;

/** The stack store contract on a real PostgreSQL (embedded binaries), one new database per test. */
class PostgresStackStoreTest extends StackStoreContractTest {

  @Override
  protected StackStore newStore() {
    PostgresServer server = PostgresServer.shared();
    return MetadataStores.postgres(PostgresDatabases.newMigrated(), server.password());
  }
}
