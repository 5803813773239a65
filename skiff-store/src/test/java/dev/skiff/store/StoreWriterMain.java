package dev.skiff.store;

import dev.skiff.core.spi.MetadataStore;
import dev.skiff.testing.MetadataFixtures;
import java.nio.file.Path;

/**
 * Run as a separate JVM by {@link SqliteMetadataStoreTest}: a step process writing the shared
 * database. Arguments: db file, run id, step name prefix, number of steps.
 */
public final class StoreWriterMain {

  private StoreWriterMain() {}

  public static void main(String[] args) {
    try (MetadataStore store = MetadataStores.sqlite(Path.of(args[0]))) {
      MetadataFixtures.writeSteps(store, args[1], args[2], Integer.parseInt(args[3]));
    }
  }
}
