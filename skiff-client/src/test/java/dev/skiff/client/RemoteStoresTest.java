package dev.skiff.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.sdk.RunStatus;
import dev.skiff.testing.s3.S3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A home with its metadata on PostgreSQL (embedded server, password sealed in the home) and its
 * artifacts in S3 (in-process server, keys kept as a secret): the client finds both as the CLI
 * does.
 */
@Timeout(300)
class RemoteStoresTest {
  @TempDir Path dir;

  @Test
  void readsARunFromPostgresAndS3() throws Exception {
    Path project = dir.resolve("project");
    String bucket = Homes.remote(project);
    Homes.skiff(project, "run", ClientPipeline.class.getName());
    assertThat(project.resolve(".skiff/skiff.db")).doesNotExist();

    try (SkiffClient client = SkiffClient.open(project)) {
      RunView run = client.lastRun(ClientPipeline.NAME);
      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      StepView total = run.step("total");
      assertThat(total.output(Double.class)).isEqualTo(14.0);
      assertThat(run.step("square").outputList(Integer.class)).containsExactly(1, 4, 9);
      assertThat(new String(total.visualization("chart"), StandardCharsets.UTF_8))
          .isEqualTo("<p>first 3: 14.0</p>");

      JsonNode a = SkiffClientTest.artifact(project, run.id(), "total", "output");
      Path object = S3Server.shared().objectFile(bucket, "skiff/" + a.get("path").asText());
      Files.write(object, "1.0".getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> run.step("total").output(Double.class))
          .isInstanceOf(SkiffClientException.class)
          .hasMessageContaining("is corrupt");
    }
  }
}
