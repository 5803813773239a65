package dev.skiff.store;

import static dev.skiff.core.stack.ComponentType.ARTIFACT_STORE;
import static dev.skiff.core.stack.ComponentType.ORCHESTRATOR;
import static dev.skiff.testing.MetadataFixtures.T0;
import static dev.skiff.testing.MetadataFixtures.component;
import static dev.skiff.testing.MetadataFixtures.config;
import static dev.skiff.testing.MetadataFixtures.secret;
import static dev.skiff.testing.MetadataFixtures.stack;
import static dev.skiff.testing.MetadataFixtures.t;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.SecretRecord;
import dev.skiff.core.stack.StackRecord;
import dev.skiff.core.stack.StackStore;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import dev.skiff.store.internal.Migrations;
import dev.skiff.testing.StackStoreContractTest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStackStoreTest extends StackStoreContractTest {

  @TempDir Path dir;

  @Override
  protected StackStore newStore() {
    return MetadataStores.sqlite(dir.resolve("contract/metadata.db"));
  }

  @Test
  void dataSurvivesReopeningTheFile() {
    Path file = dir.resolve("metadata.db");
    ComponentRecord k8s =
        new ComponentRecord(
            ORCHESTRATOR,
            "k8s",
            "kubernetes",
            config().put("namespace", "skiff").put("token", "{{secret.k8s.token}}"),
            T0,
            t(1));
    StackRecord prod = stack("prod", "k8s", "bucket");
    SecretRecord secret = secret("k8s", Map.of("token", "bm9uY2UrY2lwaGVydGV4dA=="));
    try (JdbcMetadataStore first = MetadataStores.sqlite(file)) {
      first.saveComponent(k8s);
      first.saveStack(prod);
      first.saveSecret(secret);
      first.putSetting("active_stack", "prod");
    }

    try (JdbcMetadataStore second = MetadataStores.sqlite(file)) {
      assertThat(second.listComponents(null)).containsExactly(k8s);
      assertThat(second.listStacks()).containsExactly(prod);
      assertThat(second.listSecrets()).containsExactly(secret);
      assertThat(second.getSetting("active_stack")).contains("prod");
    }
  }

  /** A database made by a Skiff that knew only V1 keeps its runs and gains the new tables. */
  @Test
  void version1DatabaseIsMigratedAndKeepsItsRuns() throws SQLException {
    Path file = dir.resolve("v1.db");
    String url = "jdbc:sqlite:" + file;
    Migrations.configure().dataSource(url, null, null).target("1").load().migrate();
    try (Connection connection = DriverManager.getConnection(url);
        Statement sql = connection.createStatement()) {
      sql.executeUpdate(
          "INSERT INTO runs (id, pipeline, status, orchestrator, plan_hash, plan_json, created_at)"
              + " VALUES ('r1', 'digits', 'SUCCEEDED', 'local', 'h', '{}', "
              + T0.toEpochMilli()
              + ")");
      sql.executeUpdate(
          "INSERT INTO steps (run_id, name, seq, status, attempt, started_at, ended_at)"
              + " VALUES ('r1', 'trainer', 1, 'SUCCEEDED', 1, "
              + T0.toEpochMilli()
              + ", "
              + t(5).toEpochMilli()
              + ")");
    }
    assertThat(query(file, "SELECT MAX(version) FROM skiff_schema_history")).isEqualTo("1");

    try (JdbcMetadataStore store = MetadataStores.sqlite(file)) {
      assertThat(store.findRun("r1"))
          .contains(
              new RunRecord(
                  "r1", "digits", RunStatus.SUCCEEDED, "local", "h", "{}", T0, null, null));
      assertThat(store.listSteps("r1"))
          .containsExactly(
              new StepRecord("r1", "trainer", StepStatus.SUCCEEDED, 1, null, null, T0, t(5), null));
      store.saveComponent(component(ORCHESTRATOR, "local", "local"));
      store.saveStack(stack("default", "local", "local"));
      store.putSetting("active_stack", "default");
      assertThat(store.findStack("default")).contains(stack("default", "local", "local"));
    }
    assertThat(query(file, "SELECT version FROM skiff_schema_history ORDER BY installed_rank DESC"))
        .isEqualTo(Migrations.LATEST_VERSION);
    assertThat(query(file, "SELECT COUNT(*) FROM skiff_schema_history WHERE success = 0"))
        .isEqualTo("0");
  }

  @Test
  void puttingANullSettingRemovesIt() {
    store.putSetting("active_stack", "prod");

    store.putSetting("active_stack", null);

    assertThat(store.getSetting("active_stack")).isEmpty();
    store.putSetting("active_stack", null); // removing what is not there is harmless
  }

  @Test
  void rowsOfComponentTypesFromANewerVersionAreLeftOut() throws SQLException {
    Path file = dir.resolve("newer.db");
    MetadataStores.sqlite(file).close();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      sql.executeUpdate(
          "INSERT INTO components (type, name, flavor, config, created_at)"
              + " VALUES ('IMAGE_BUILDER', 'jib', 'jib', '{}', 0)");
      sql.executeUpdate("INSERT INTO stacks (name, created_at) VALUES ('s', 0)");
      sql.executeUpdate(
          "INSERT INTO stack_components (stack, type, component) VALUES"
              + " ('s', 'IMAGE_BUILDER', 'jib'), ('s', 'ORCHESTRATOR', 'local')");
    }

    try (JdbcMetadataStore store = MetadataStores.sqlite(file)) {
      assertThat(store.listComponents(null)).isEmpty();
      assertThat(store.findStack("s").orElseThrow().components())
          .isEqualTo(Map.of(ORCHESTRATOR, "local"));
    }
  }

  @Test
  void invalidConfigJsonGivesAOneLineError() throws SQLException {
    Path file = dir.resolve("broken.db");
    MetadataStores.sqlite(file).close();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      sql.executeUpdate(
          "INSERT INTO components (type, name, flavor, config, created_at)"
              + " VALUES ('ARTIFACT_STORE', 'bad', 's3', '{\"bucket\": ', 0)");
    }

    try (JdbcMetadataStore store = MetadataStores.sqlite(file)) {
      assertThatThrownBy(() -> store.findComponent(ARTIFACT_STORE, "bad"))
          .isInstanceOf(MetadataStoreException.class)
          .hasMessageStartingWith("cannot find artifact-store bad in " + file + ": ")
          .hasMessageContaining("config of artifact-store bad is not valid JSON")
          .message()
          .doesNotContain("\n");
      // The store stays usable.
      store.saveComponent(component(ARTIFACT_STORE, "good", "local"));
      assertThat(store.findComponent(ARTIFACT_STORE, "good")).isPresent();
    }
  }

  @Test
  void operationsAfterCloseFailWithAOneLineError() throws Exception {
    ((AutoCloseable) store).close();

    assertThatThrownBy(() -> store.saveStack(stack("prod", "k8s", "s3")))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessageStartingWith("cannot save stack prod in ")
        .hasMessageContaining("closed")
        .message()
        .doesNotContain("\n");
    assertThatThrownBy(() -> store.deleteComponent(ORCHESTRATOR, "k8s"))
        .isInstanceOf(MetadataStoreException.class)
        .hasMessageStartingWith("cannot delete orchestrator k8s in ");
  }

  private static String query(Path file, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getString(1);
    }
  }
}
