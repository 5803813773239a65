package dev.skiff.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * What a pod or step process knows of secrets (its {@link StoreAccess}) stays out of what it
 * records.
 */
class RedactionTest {
  private static final String ADDRESS =
      StoreAccess.artifactStoreAddress(
          "s3",
          JsonNodeFactory.instance
              .objectNode()
              .put("path", "s3://bucket/p")
              .put("secretAccessKey", "AKIA-SECRET-KEY-123"),
          Map.of("aws.secret_access_key", "AKIA-SECRET-KEY-123"));

  @Test
  void theRedactorOfStoreAccessReplacesItsCredentials() {
    UnaryOperator<String> redact =
        new StoreAccess(
                "jdbc:postgresql://db/skiff?user=ml&password=pg-pass%21word",
                "given-password", ADDRESS)
            .redactor();

    assertThat(
            redact.apply(
                "denied for AKIA-SECRET-KEY-123 at s3://bucket/p, password given-password, url pg-pass%21word or pg-pass!word"))
        .isEqualTo(
            "denied for {{secret.aws.secret_access_key}} at s3://bucket/p, password <metadata password>, url <metadata password> or <metadata password>");
    assertThat(redact.apply(null)).isNull();
    assertThat(
            new StoreAccess("jdbc:sqlite:/tmp/x.db", null, "file:///tmp/a")
                .redactor()
                .apply("file:///tmp/a"))
        .isEqualTo("file:///tmp/a");
  }

  @Test
  void aRedactingMetadataStoreRecordsErrorsRedactedAndPassesEverythingElseOn() {
    List<Object[]> calls = new ArrayList<>();
    MetadataStore recording =
        (MetadataStore)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {MetadataStore.class},
                (p, m, args) -> {
                  calls.add(new Object[] {m.getName(), args});
                  return m.getName().equals("findRunsByPrefix") ? List.of() : null;
                });
    MetadataStore store =
        Redaction.metadataStore(recording, s -> s.replace("hunter2", "{{secret.db.pw}}"));

    store.updateRun("r1", RunStatus.FAILED, Instant.EPOCH, "login hunter2 refused");
    store.saveStep(
        new StepRecord("r1", "s", StepStatus.FAILED, 1, null, null, null, null, "bad hunter2"));
    store.saveStep(new StepRecord("r1", "t", StepStatus.RUNNING, 1, null, null, null, null, null));
    assertThat(store.findRunsByPrefix("hunter2")).isEmpty();

    assertThat(((Object[]) calls.get(0)[1])[3]).isEqualTo("login {{secret.db.pw}} refused");
    assertThat(((StepRecord) ((Object[]) calls.get(1)[1])[0]).error())
        .isEqualTo("bad {{secret.db.pw}}");
    assertThat(((StepRecord) ((Object[]) calls.get(1)[1])[0]).status())
        .isEqualTo(StepStatus.FAILED);
    assertThat(((StepRecord) ((Object[]) calls.get(2)[1])[0]).error()).isNull();
    assertThat(((Object[]) calls.get(3)[1])[0]).isEqualTo("hunter2"); // queries are not changed
  }

  @Test
  void aRedactingArtifactStoreRedactsLogLinesButNotArtifacts() throws Exception {
    Map<String, ByteArrayOutputStream> blobs = new java.util.TreeMap<>();
    ArtifactStore plain =
        new ArtifactStore() {
          public String uri() {
            return "mem:";
          }

          public void write(String path, BlobWriter writer) throws java.io.IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writer.writeTo(out);
            blobs.put(path, out);
          }

          public InputStream open(String path) {
            return new java.io.ByteArrayInputStream(blobs.get(path).toByteArray());
          }

          public boolean exists(String path) {
            return blobs.containsKey(path);
          }

          public List<String> list(String prefix) {
            return List.copyOf(blobs.keySet());
          }

          public void append(String path, byte[] bytes) {
            blobs.computeIfAbsent(path, k -> new ByteArrayOutputStream()).writeBytes(bytes);
          }

          public void delete(String path) {
            blobs.remove(path);
          }
        };
    ArtifactStore store =
        Redaction.artifactStore(plain, s -> s.replace("hunter2", "{{secret.db.pw}}"));

    try (ArtifactStore.Appender log = store.appender("runs/r/logs/s.log")) {
      log.append("token hunter2\n".getBytes(StandardCharsets.UTF_8));
    }
    store.append("runs/r/logs/t.log", "again hunter2\n".getBytes(StandardCharsets.UTF_8));
    store.write("runs/r/s/1/out", out -> out.write("hunter2".getBytes(StandardCharsets.UTF_8)));

    assertThat(blobs.get("runs/r/logs/s.log").toString(StandardCharsets.UTF_8))
        .isEqualTo("token {{secret.db.pw}}\n");
    assertThat(blobs.get("runs/r/logs/t.log").toString(StandardCharsets.UTF_8))
        .isEqualTo("again {{secret.db.pw}}\n");
    assertThat(new String(store.open("runs/r/s/1/out").readAllBytes(), StandardCharsets.UTF_8))
        .isEqualTo("hunter2");
    assertThat(store.uri()).isEqualTo("mem:");
  }
}
