package dev.skiff.core.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigBinderTest {
  enum Mode {
    FAST,
    SAFE
  }

  record Config(
      String kubernetesNamespace,
      int maxParallelism,
      double ratio,
      boolean synchronous,
      Duration podStartupTimeout,
      Mode mode,
      List<String> imagePullSecrets,
      List<Integer> ports,
      Map<String, String> nodeSelector,
      String password) {
    Config {
      if (maxParallelism < 0) {
        throw new IllegalArgumentException("maxParallelism must be 0 or positive");
      }
    }
  }

  static Map<String, String> values(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void valuesParseToTheRecordsTypes() {
    ObjectNode json =
        ConfigBinder.bind(
            Config.class,
            values(
                "kubernetes_namespace", "ml",
                "max-parallelism", "8",
                "ratio", "0.25",
                "synchronous", "no",
                "podStartupTimeout", "5m",
                "mode", "safe",
                "imagePullSecrets", "a, b",
                "ports", "80,443",
                "nodeSelector", "pool=gpu,zone=b",
                "password", "{{secret.db.password}}"),
            null,
            "orchestrator flavor 'test'");

    Config c = ConfigBinder.instantiate(Config.class, json, ref -> "resolved:" + ref, "x");

    assertThat(c)
        .isEqualTo(
            new Config(
                "ml",
                8,
                0.25,
                false,
                Duration.ofMinutes(5),
                Mode.SAFE,
                List.of("a", "b"),
                List.of(80, 443),
                Map.of("pool", "gpu", "zone", "b"),
                "resolved:db.password"));
    assertThat(json.get("password").asText())
        .isEqualTo("{{secret.db.password}}"); // stored as the reference
    assertThat(json.get("podStartupTimeout").asText()).isEqualTo("PT5M");
  }

  @Test
  void durationsAcceptShortAndIsoForms() {
    assertThat(ConfigBinder.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ConfigBinder.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(ConfigBinder.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(ConfigBinder.parseDuration("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void unknownKeySuggestsTheClosestValidKey() {
    assertThatThrownBy(
            () ->
                ConfigBinder.bind(
                    Config.class,
                    values("kubernetes_namspace", "ml"),
                    null,
                    "orchestrator flavor 'kubernetes'"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "unknown key 'kubernetes_namspace' for orchestrator flavor 'kubernetes': did you mean 'kubernetesNamespace'? (valid keys: kubernetesNamespace, maxParallelism,");
    assertThatThrownBy(() -> ConfigBinder.bind(Config.class, values("zzzzzzzz", "1"), null, "f"))
        .hasMessageStartingWith("unknown key 'zzzzzzzz' for f (valid keys:");
  }

  @Test
  void badValuesNameTheKeyAndTheExpectedType() {
    assertThatThrownBy(
            () -> ConfigBinder.bind(Config.class, values("maxParallelism", "many"), null, "f"))
        .hasMessage("key 'maxParallelism' of f expects a whole number, got 'many'");
    assertThatThrownBy(
            () -> ConfigBinder.bind(Config.class, values("synchronous", "maybe"), null, "f"))
        .hasMessage("key 'synchronous' of f expects true or false, got 'maybe'");
    assertThatThrownBy(() -> ConfigBinder.bind(Config.class, values("mode", "turbo"), null, "f"))
        .hasMessage("key 'mode' of f expects one of fast, safe, got 'turbo'");
    assertThatThrownBy(
            () -> ConfigBinder.bind(Config.class, values("podStartupTimeout", "soon"), null, "f"))
        .hasMessage(
            "key 'podStartupTimeout' of f expects a duration such as 500ms, 30s, 5m, 2h or PT30S, got 'soon'");
    assertThatThrownBy(
            () -> ConfigBinder.bind(Config.class, values("nodeSelector", "pool"), null, "f"))
        .hasMessage("key 'nodeSelector' of f expects entries like k1=v1,k2=v2, got 'pool'");
  }

  @Test
  void recordValidationMessageIsKept() {
    ObjectNode json = ConfigBinder.bind(Config.class, values("maxParallelism", "-1"), null, "f");
    assertThatThrownBy(
            () -> ConfigBinder.instantiate(Config.class, json, r -> r, "orchestrator 'k8s'"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "invalid configuration for orchestrator 'k8s': maxParallelism must be 0 or positive");
  }

  @Test
  void updateOverlaysEarlierValues() {
    ObjectNode first =
        ConfigBinder.bind(Config.class, values("ratio", "0.5", "mode", "fast"), null, "f");
    ObjectNode second = ConfigBinder.bind(Config.class, values("mode", "safe"), first, "f");
    assertThat(second.get("ratio").asDouble()).isEqualTo(0.5);
    assertThat(second.get("mode").asText()).isEqualTo("SAFE");
  }

  @Test
  void settingsMapsAreNormalizedAndChecked() {
    ObjectNode json =
        ConfigBinder.normalize(
            Config.class,
            Map.of("max_parallelism", 4, "mode", "safe"),
            "setting 'orchestrator.test'");
    assertThat(json.get("maxParallelism").asInt()).isEqualTo(4);
    assertThat(json.get("mode").asText()).isEqualTo("SAFE");
    assertThatThrownBy(
            () ->
                ConfigBinder.normalize(
                    Config.class, Map.of("mode_", "safe", "maxParalelism", 1), "s"))
        .hasMessageContaining("did you mean");
    assertThatThrownBy(
            () -> ConfigBinder.normalize(Config.class, List.of(1), "setting 'orchestrator.test'"))
        .hasMessage(
            "setting 'orchestrator.test' must be an object of settings (a record or a map), got array");
  }

  record Placement(Map<String, String> nodeSelector, Integer priority) {}

  record Outer(
      String name, Placement placement, List<Placement> more, Map<String, Placement> byPool) {}

  /**
   * A bean (not a record), as Kubernetes model objects are: its JSON properties are checked too.
   */
  public static final class Toleration {
    private String key;
    private String effect;

    public String getKey() {
      return key;
    }

    public void setKey(String key) {
      this.key = key;
    }

    public String getEffect() {
      return effect;
    }

    public void setEffect(String effect) {
      this.effect = effect;
    }
  }

  record WithBean(Toleration toleration) {}

  @Test
  void aTypoInANestedObjectIsRefusedWithTheClosestKey() {
    // settings (maps or JSON), at any depth: records, lists and maps of records, beans
    assertThatThrownBy(
            () ->
                ConfigBinder.normalize(
                    Outer.class,
                    Map.of("placement", Map.of("nodeSelectr", Map.of("a", "b"))),
                    "setting 'orchestrator.x' of pipeline 'p'"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "unknown key 'nodeSelectr' for setting 'orchestrator.x' of pipeline 'p' (placement): did you mean 'nodeSelector'? (valid keys: nodeSelector, priority)");
    assertThatThrownBy(
            () ->
                ConfigBinder.normalize(
                    Outer.class, Map.of("more", List.of(Map.of("priorty", 1))), "s"))
        .hasMessage(
            "unknown key 'priorty' for s (more[0]): did you mean 'priority'? (valid keys: nodeSelector, priority)");
    assertThatThrownBy(
            () ->
                ConfigBinder.normalize(
                    Outer.class, Map.of("byPool", Map.of("gpu", Map.of("priorty", 1))), "s"))
        .hasMessage(
            "unknown key 'priorty' for s (byPool.gpu): did you mean 'priority'? (valid keys: nodeSelector, priority)");
    assertThatThrownBy(
            () ->
                ConfigBinder.normalize(
                    WithBean.class, Map.of("toleration", Map.of("efect", "NoSchedule")), "s"))
        .hasMessage(
            "unknown key 'efect' for s (toleration): did you mean 'effect'? (valid keys: effect, key)");
    // map keys are free, nested record keys are made canonical
    ObjectNode ok =
        ConfigBinder.normalize(
            Outer.class,
            Map.of("placement", Map.of("node_selector", Map.of("any.key/x", "b"), "priority", "3")),
            "s");
    assertThat(ok.toString())
        .isEqualTo("{\"placement\":{\"nodeSelector\":{\"any.key/x\":\"b\"},\"priority\":3}}");

    // and configuration given as key=value (a component's JSON value on the command line)
    assertThatThrownBy(
            () ->
                ConfigBinder.bind(
                    Outer.class,
                    values("placement", "{\"nodeSelectr\":{}}"),
                    null,
                    "orchestrator flavor 'x'"))
        .hasMessage(
            "unknown key 'nodeSelectr' for orchestrator flavor 'x' (placement): did you mean 'nodeSelector'? (valid keys: nodeSelector, priority)");
  }

  @Test
  void secretReferencesAreFoundAndResolvedInsideText() {
    ObjectNode json =
        ConfigBinder.bind(
            Config.class,
            values(
                "kubernetesNamespace",
                "ns-{{secret.team.suffix}}",
                "password",
                "{{ secret.db.password }}"),
            null,
            "f");
    assertThat(ConfigBinder.secretReferences(json))
        .containsExactlyInAnyOrder("team.suffix", "db.password");
    ObjectNode resolved =
        ConfigBinder.resolveSecrets(json, ref -> ref.equals("team.suffix") ? "a" : "p$w\\d");
    assertThat(resolved.get("kubernetesNamespace").asText()).isEqualTo("ns-a");
    assertThat(resolved.get("password").asText()).isEqualTo("p$w\\d");
    assertThat(json.get("password").asText()).isEqualTo("{{ secret.db.password }}");
  }
}
