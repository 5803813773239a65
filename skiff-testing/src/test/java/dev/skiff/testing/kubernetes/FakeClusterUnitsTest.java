package dev.skiff.testing.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of the fake cluster, without a cluster. */
class FakeClusterUnitsTest {

  @Test
  void imageReferencesMatchExactlyThenWithoutDigestThenByRepository() {
    ImageRegistry registry = new ImageRegistry();
    ImageRegistry.Image digits = ImageRegistry.Image.of(List.of("digits"));
    ImageRegistry.Image anyTool = ImageRegistry.Image.of(List.of("tool"));
    ImageRegistry.Image pinned = ImageRegistry.Image.of(List.of("pinned"));
    registry.register("registry.local/skiff:digits", digits);
    registry.register("localhost:5000/tools", anyTool);
    registry.register("registry.local/skiff:digits@sha256:0001", pinned);

    assertThat(registry.resolve("registry.local/skiff:digits")).contains(digits);
    assertThat(registry.resolve("registry.local/skiff:digits@sha256:ffff")).contains(digits);
    assertThat(registry.resolve("registry.local/skiff:digits@sha256:0001")).contains(pinned);
    assertThat(registry.resolve("registry.local/skiff:other")).isEmpty();
    assertThat(registry.resolve("registry.local/skiff")).isEmpty();
    assertThat(registry.resolve("localhost:5000/tools:1.2")).contains(anyTool);
    assertThat(registry.resolve("localhost:5000/tools@sha256:abcd")).contains(anyTool);
    assertThat(registry.resolve("localhost:5000/other:1")).isEmpty();
  }

  @Test
  void tailLinesCountsLinesFromTheEnd() {
    byte[] text = "a\nbb\nccc\n".getBytes(StandardCharsets.UTF_8);
    assertThat(ContainerLog.tailOffset(text, text.length, 1)).isEqualTo(5);
    assertThat(ContainerLog.tailOffset(text, text.length, 2)).isEqualTo(2);
    assertThat(ContainerLog.tailOffset(text, text.length, 10)).isZero();
    assertThat(ContainerLog.tailOffset(text, text.length, 0)).isEqualTo(text.length);
    byte[] unterminated = "a\nb".getBytes(StandardCharsets.UTF_8);
    assertThat(ContainerLog.tailOffset(unterminated, unterminated.length, 1)).isEqualTo(2);
  }

  @Test
  void dependentVariablesExpandLikeKubernetes() {
    Map<String, String> env = Map.of("A", "1", "B", "two");
    assertThat(ContainerEnv.expand("$(A)-$(B)-$(C)", env)).isEqualTo("1-two-$(C)");
    assertThat(ContainerEnv.expand("$$(A) costs $5", env)).isEqualTo("$(A) costs $5");
    assertThat(ContainerEnv.expand("$(A", env)).isEqualTo("$(A");
  }

  @Test
  void mergePatchReplacesArraysAndRemovesNulls() throws Exception {
    JsonNode target = Backend.JSON.readTree("{\"a\":{\"b\":1,\"c\":[1,2]},\"d\":\"x\"}");
    JsonNode patch = Backend.JSON.readTree("{\"a\":{\"c\":[3]},\"d\":null,\"e\":true}");
    assertThat(ApiSemantics.mergePatch(target, patch))
        .isEqualTo(Backend.JSON.readTree("{\"a\":{\"b\":1,\"c\":[3]},\"e\":true}"));
  }
}
