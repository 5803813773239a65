package dev.skiff.store;

import dev.skiff.core.spi.Backends;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.testing.MetadataFixtures;

/**
 * Run as a separate JVM by {@link PostgresMetadataStoreTest}: a step process reporting to the
 * shared database, opened as step processes do (by URL; the password in {@code
 * SKIFF_METADATA_PASSWORD}). Arguments: URL, run id, step name prefix, number of steps.
 */
public final class PostgresWriterMain {

  private PostgresWriterMain() {}

  public static void main(String[] args) {
    try (MetadataStore store =
        Backends.openMetadataStore(args[0], PostgresWriterMain.class.getClassLoader())) {
      MetadataFixtures.writeSteps(store, args[1], args[2], Integer.parseInt(args[3]));
    }
  }
}
