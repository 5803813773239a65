package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.core.spi.MetadataStore;
import dev.skiff.store.MetadataStores;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whether, and how, pods reach the stack's stores. */
class StackCheckTest {
  @TempDir Path dir;
  MetadataStore store;

  @BeforeEach
  void open() {
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aFolderAndAnSqliteFileOfThisMachineAreProblemsNamingTheFix() {
    var check =
        new StackCheck(SubmissionFixtures.config(), SubmissionFixtures.context(store, dir, null));

    assertThat(check.problems())
        .hasSize(2)
        .anySatisfy(
            p ->
                assertThat(p).contains("a folder pods cannot reach: register an s3 artifact store"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("SQLite file")
                    .contains("point this Skiff home at PostgreSQL"));
  }

  @Test
  void theConfiguredMetadataUrlIsWhatPodsUseAndTheArtifactStoreStaysTheClients() {
    var context = SubmissionFixtures.context(store, dir, null);
    var check =
        new StackCheck(
            SubmissionFixtures.config(
                "metadataUrl", "jdbc:postgresql://db.skiff.svc:5432/skiff?user=skiff"),
            context);

    assertThat(check.storesForPods().metadataUrl())
        .isEqualTo("jdbc:postgresql://db.skiff.svc:5432/skiff?user=skiff");
    assertThat(check.storesForPods().artifactStore()).isEqualTo(context.stores().artifactStore());
    assertThat(check.problems())
        .singleElement()
        .satisfies(p -> assertThat(p).contains("a folder pods cannot reach"));
    assertThat(new StackCheck(SubmissionFixtures.config(), context).storesForPods())
        .isEqualTo(context.stores());
  }
}
