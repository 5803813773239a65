package dev.skiff.artifacts.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.artifacts.s3.S3ArtifactStoreConfig.Checksums;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.ArtifactStoreFlavor;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ConfigBinder;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.Flavors;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class S3ArtifactStoreConfigTest {
  private static final String WHAT = "artifact-store flavor 's3'";

  @Test
  void defaultsForAwsS3() {
    S3ArtifactStoreConfig config = new S3ArtifactStoreConfig("s3://my-bucket/skiff");

    assertThat(config.bucket()).isEqualTo("my-bucket");
    assertThat(config.prefix()).isEqualTo("skiff");
    assertThat(config.region()).isNull();
    assertThat(config.endpoint()).isNull();
    assertThat(config.pathStyle()).isFalse();
    assertThat(config.hasKeys()).isFalse();
    assertThat(config.checksums()).isEqualTo(Checksums.WHEN_SUPPORTED);
    assertThat(config.chunkedEncoding()).isTrue();
    assertThat(new S3ArtifactStore(config).uri()).isEqualTo("s3://my-bucket/skiff");
  }

  @Test
  void anEndpointMakesChecksumsWhenRequiredAndIsPartOfTheUri() {
    S3ArtifactStoreConfig config =
        bind(Map.of("path", "s3://my-bucket/a/b/", "endpoint", "http://127.0.0.1:9000/"));

    assertThat(config.checksums()).isEqualTo(Checksums.WHEN_REQUIRED);
    assertThat(config.path()).isEqualTo("s3://my-bucket/a/b");
    assertThat(config.prefix()).isEqualTo("a/b");
    assertThat(config.endpoint()).isEqualTo("http://127.0.0.1:9000");
    assertThat(new S3ArtifactStore(config).uri())
        .isEqualTo("s3://my-bucket/a/b?endpoint=http://127.0.0.1:9000");
  }

  @Test
  void aWholeBucketHasNoPrefix() {
    S3ArtifactStoreConfig config = new S3ArtifactStoreConfig("s3://my-bucket/");

    assertThat(config.prefix()).isEmpty();
    assertThat(new S3ArtifactStore(config).uri()).isEqualTo("s3://my-bucket");
  }

  @Test
  void keysBindInAnySpellingAndExplicitChoicesWin() {
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("path", "s3://my-bucket/skiff");
    raw.put("endpoint", "https://minio.example.com");
    raw.put("path-style", "true");
    raw.put("checksums", "when-supported");
    raw.put("chunked_encoding", "false");
    raw.put("region", "eu-west-1");
    S3ArtifactStoreConfig config = bind(raw);

    assertThat(config.pathStyle()).isTrue();
    assertThat(config.checksums()).isEqualTo(Checksums.WHEN_SUPPORTED);
    assertThat(config.chunkedEncoding()).isFalse();
    assertThat(config.region()).isEqualTo("eu-west-1");
  }

  @Test
  void secretReferencesAreResolvedBeforeTheRecordIsBuilt() {
    ObjectNode json =
        ConfigBinder.bind(
            S3ArtifactStoreConfig.class,
            Map.of(
                "path",
                "s3://my-bucket/skiff",
                "access_key_id",
                "{{secret.aws.access_key_id}}",
                "secret-access-key",
                "{{secret.aws.secret_access_key}}"),
            null,
            WHAT);
    assertThat(json.toString())
        .contains("{{secret.aws.secret_access_key}}")
        .doesNotContain("SECRETVALUE");

    S3ArtifactStoreConfig config =
        ConfigBinder.instantiate(
            S3ArtifactStoreConfig.class,
            json,
            ref -> ref.equals("aws.access_key_id") ? "AKIDVALUE" : "SECRETVALUE",
            WHAT);

    assertThat(config.accessKeyId()).isEqualTo("AKIDVALUE");
    assertThat(config.secretAccessKey()).isEqualTo("SECRETVALUE");
    assertThat(config.toString()).doesNotContain("AKIDVALUE").doesNotContain("SECRETVALUE");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "path=                      | path is required: the bucket and an optional prefix, such as --path=s3://my-bucket/skiff",
        "path=/data/skiff           | path must be an S3 address such as s3://my-bucket/skiff, got '/data/skiff'",
        "path=s3://My_Bucket/x      | path names the bucket 'My_Bucket', which is not a valid bucket name: 3 to 63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit (e.g. s3://my-bucket/skiff)",
        "path=s3://ab               | path names the bucket 'ab', which is not a valid bucket name: 3 to 63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit (e.g. s3://my-bucket/skiff)",
        "path=s3://my-bucket/a//b   | the prefix of path 's3://my-bucket/a//b' has an empty, '.' or '..' segment",
        "path=s3://my-bucket/a/../b | the prefix of path 's3://my-bucket/a/../b' has an empty, '.' or '..' segment",
        "endpoint=127.0.0.1:9000    | endpoint must be the URL of an S3-compatible server such as http://127.0.0.1:9000, got '127.0.0.1:9000'",
        "endpoint=http://u:pw@h:9000 | endpoint must not hold credentials: set accessKeyId and secretAccessKey instead",
        "region=eu west             | region must be a region name such as eu-west-1, got 'eu west'",
        "accessKeyId=AKID           | accessKeyId is set but secretAccessKey is not: set both (e.g. --secret-access-key={{secret.aws.secret_access_key}}), or neither to use the AWS default credentials chain",
        "secretAccessKey=S3CR3T     | secretAccessKey is set but accessKeyId is not: set both (e.g. --access-key-id={{secret.aws.access_key_id}}), or neither to use the AWS default credentials chain",
        "sessionToken=T0K3N         | sessionToken is set without accessKeyId and secretAccessKey: a session token only goes with temporary keys",
      })
  void invalidConfigurationsFailWithOneLine(String keyValue, String message) {
    String key = keyValue.substring(0, keyValue.indexOf('='));
    String value = keyValue.substring(keyValue.indexOf('=') + 1);
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("path", "s3://my-bucket/skiff");
    raw.put(key, value);

    assertThatThrownBy(() -> bind(raw))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid configuration for " + WHAT + ": " + message);
  }

  @Test
  void anUnknownChecksumsValueNamesTheChoices() {
    assertThatThrownBy(
            () ->
                ConfigBinder.bind(
                    S3ArtifactStoreConfig.class, Map.of("checksums", "always"), null, WHAT))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "key 'checksums' of "
                + WHAT
                + " expects one of when_supported, when_required, got 'always'");
  }

  @Test
  void theFlavorIsFoundAndOpensWithoutNetwork() {
    var flavor = Flavors.load(getClass().getClassLoader()).find(ComponentType.ARTIFACT_STORE, "s3");
    assertThat(flavor).isInstanceOf(S3ArtifactStoreFlavor.class);

    @SuppressWarnings("unchecked")
    ArtifactStore store =
        ((ArtifactStoreFlavor<S3ArtifactStoreConfig>) flavor)
            .open(
                S3ArtifactStoreConfig.forServer(
                    "s3://my-bucket/skiff", "http://127.0.0.1:1", "a", "b"));

    assertThat(store.uri()).isEqualTo("s3://my-bucket/skiff?endpoint=http://127.0.0.1:1");
    assertThat(store.onlyOnThisMachine()).isFalse();
  }

  @Test
  void stepProcessesOpenTheStoreFromItsAddress() {
    ObjectNode json =
        ConfigBinder.bind(
            S3ArtifactStoreConfig.class,
            Map.of(
                "path",
                "s3://my-bucket/skiff",
                "endpoint",
                "http://127.0.0.1:1",
                "checksums",
                "when_supported"),
            null,
            WHAT);

    ArtifactStore store =
        StoreAccess.openArtifactStore(
            StoreAccess.artifactStoreAddress("s3", json), getClass().getClassLoader());

    assertThat(store).isInstanceOf(S3ArtifactStore.class);
    assertThat(((S3ArtifactStore) store).config().checksums()).isEqualTo(Checksums.WHEN_SUPPORTED);
  }

  private static S3ArtifactStoreConfig bind(Map<String, String> raw) {
    return ConfigBinder.instantiate(
        S3ArtifactStoreConfig.class,
        ConfigBinder.bind(S3ArtifactStoreConfig.class, raw, null, WHAT),
        s -> s,
        WHAT);
  }
}
