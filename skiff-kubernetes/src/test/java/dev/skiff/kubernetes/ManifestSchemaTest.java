package dev.skiff.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ResolvedComponent;
import dev.skiff.core.stack.ResolvedStack;
import dev.skiff.kubernetes.internal.DryRun;
import dev.skiff.kubernetes.internal.KubernetesOrchestratorFlavor;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every manifest of {@code --dry-run -o yaml} is valid Kubernetes: read back from YAML as plain
 * JSON (not through fabric8's model classes) and checked with validators generated from the
 * Kubernetes OpenAPI schema (kubernetes-models, run with node), and with no field the schema does
 * not know (fabric8 keeps unknown fields aside, so any there is a typo).
 */
class ManifestSchemaTest {
  static final Path SCHEMA_DIR = Path.of("src/test/k8s-schema");
  @TempDir Path dir;

  /** A pipeline with a timeout and step settings, like digits: importer → trainer → evaluator. */
  public static final class Shape implements PipelineDefinition {
    static int importer() {
      return 1;
    }

    static int trainer(int x) {
      return x;
    }

    static int evaluator(int x, int y) {
      return x + y;
    }

    @Override
    public String name() {
      return "digits";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<Integer> data = p.step("importer", Shape::importer);
      Out<Integer> model =
          p.step("trainer", Shape::trainer, data)
              .configure(
                  s ->
                      s.timeout(Duration.ofMinutes(30))
                          .setting(
                              "orchestrator.kubernetes",
                              Map.of(
                                  "podSettings",
                                  Map.of(
                                      "gpus",
                                      1,
                                      "resources",
                                      Map.of("requests", Map.of("cpu", "4", "memory", "16Gi")),
                                      "envFrom",
                                      List.of(
                                          Map.of("secretRef", Map.of("name", "team-keys")),
                                          Map.of(
                                              "prefix",
                                              "CFG_",
                                              "configMapRef",
                                              Map.of("name", "settings", "optional", true))),
                                      "imagePullSecrets",
                                      List.of("gpu-registry"),
                                      "schedulerName",
                                      "gpu-scheduler",
                                      "priorityClassName",
                                      "training",
                                      "automountServiceAccountToken",
                                      true,
                                      "securityContext",
                                      CUSTOM_SECURITY_CONTEXT,
                                      "additionalPodSpec",
                                      ADDITIONAL_POD_SPEC))));
      p.step("evaluator", Shape::evaluator, data, model);
    }
  }

  /** Every field of a container security context that the restricted profile admits. */
  static final Map<String, Object> CUSTOM_SECURITY_CONTEXT =
      Map.of(
          "runAsUser",
          1000,
          "runAsGroup",
          1000,
          "runAsNonRoot",
          true,
          "readOnlyRootFilesystem",
          false,
          "allowPrivilegeEscalation",
          false,
          "capabilities",
          Map.of("add", List.of("NET_BIND_SERVICE")),
          "seccompProfile",
          Map.of("type", "Localhost", "localhostProfile", "profiles/trainer.json"),
          "appArmorProfile",
          Map.of("type", "RuntimeDefault"),
          "seLinuxOptions",
          Map.of("type", "container_t", "level", "s0:c123,c456"),
          "procMount",
          "Default");

  /** Pod spec fields Skiff has no setting for. */
  static final Map<String, Object> ADDITIONAL_POD_SPEC =
      Map.of(
          "dnsConfig",
          Map.of(
              "nameservers",
              List.of("10.0.0.10"),
              "options",
              List.of(Map.of("name", "ndots", "value", "2"))),
          "topologySpreadConstraints",
          List.of(
              Map.of(
                  "maxSkew",
                  1,
                  "topologyKey",
                  "kubernetes.io/hostname",
                  "whenUnsatisfiable",
                  "ScheduleAnyway",
                  "labelSelector",
                  Map.of("matchLabels", Map.of("step", "trainer")))),
          "hostAliases",
          List.of(Map.of("ip", "10.0.0.5", "hostnames", List.of("registry.local"))),
          "terminationGracePeriodSeconds",
          60,
          "enableServiceLinks",
          false,
          "runtimeClassName",
          "gvisor");

  static RunPlan plan() {
    return new PlanCompiler(Materializers.of(List.of(AnyMaterializer.INSTANCE)))
        .compile(new Shape(), PipelineSettings.DEFAULTS, stack(stackConfig()));
  }

  /** The orchestrator's configuration in the stack: custom pod settings and API rate. */
  static com.fasterxml.jackson.databind.node.ObjectNode stackConfig() {
    var config =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
            .objectNode()
            .put("image", "registry.local/team/skiff:digits");
    var pod = config.putObject("podSettings");
    pod.putObject("nodeSelector").put("pool", "ml");
    pod.putArray("tolerations")
        .addObject()
        .put("key", "nvidia.com/gpu")
        .put("operator", "Exists")
        .put("effect", "NoSchedule");
    // the orchestrator pod: its own pass-through fields; its client's request rate
    config
        .putObject("orchestratorPodSettings")
        .putObject("additionalPodSpec")
        .put("priority", 0)
        .put("dnsPolicy", "ClusterFirst");
    config.put("apiQps", 5).put("apiBurst", 10);
    return config;
  }

  static ResolvedStack stack(com.fasterxml.jackson.databind.node.ObjectNode config) {
    var component =
        new ComponentRecord(
            ComponentType.ORCHESTRATOR, "k8s", "kubernetes", config, Instant.EPOCH, null);
    return new ResolvedStack(
        "k8s",
        Map.of(
            ComponentType.ORCHESTRATOR,
            new ResolvedComponent(component, new KubernetesOrchestratorFlavor())));
  }

  static KubernetesOrchestratorConfig config(String serviceAccount) {
    return new KubernetesOrchestratorConfig(
        null,
        "ml-team",
        serviceAccount,
        null,
        "registry.local/team/skiff@sha256:" + "a".repeat(64),
        List.of("regcred"),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  @Test
  void dryRunManifestsAreValidKubernetes() throws Exception {
    List<JsonNode> docs = new ArrayList<>();
    docs.addAll(
        readYamlStream(DryRun.yaml(DryRun.manifests(plan(), config(null), Optional.empty()))));
    docs.addAll(
        readYamlStream(
            DryRun.yaml(
                DryRun.manifests(plan(), config("ml-runner"), Optional.of("*/5 * * * *")))));

    assertThat(docs)
        .extracting(d -> d.get("kind").asText())
        .contains("ServiceAccount", "Role", "RoleBinding", "Job", "Secret", "CronJob", "Pod");
    assertThat(docs).filteredOn(d -> d.get("kind").asText().equals("Pod")).hasSize(6);
    assertThat(unknownFields(docs)).isEmpty();
    assertThat(podSpecs(docs))
        .hasSize(8) // 6 step pods, the Job's and the CronJob's orchestrator pod
        .allSatisfy(spec -> assertThat(RestrictedProfile.violations(spec)).isEmpty());
    assertThat(schemaCheck(docs)).allSatisfy(line -> assertThat(line).startsWith("VALID "));
    // the custom settings reached the trainer's pods
    var trainer =
        podSpecs(docs).stream()
            .filter(spec -> "gpu-scheduler".equals(spec.getSchedulerName()))
            .toList();
    assertThat(trainer)
        .hasSize(2)
        .allSatisfy(
            spec -> {
              assertThat(spec.getDnsConfig().getNameservers()).containsExactly("10.0.0.10");
              assertThat(spec.getRuntimeClassName()).isEqualTo("gvisor");
              var sc = spec.getContainers().get(0).getSecurityContext();
              assertThat(sc.getRunAsUser()).isEqualTo(1000L);
              assertThat(sc.getReadOnlyRootFilesystem()).isFalse();
              assertThat(sc.getCapabilities().getAdd()).containsExactly("NET_BIND_SERVICE");
              assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
              assertThat(sc.getSeccompProfile().getType()).isEqualTo("Localhost");
            });
  }

  /**
   * Settings outside the restricted profile, allowed with {@code allowPrivileged}: still valid
   * Kubernetes (the API server takes them; only the namespace's Pod Security admission decides).
   */
  @Test
  void privilegedSettingsStillRenderValidKubernetes() throws Exception {
    var settings =
        PipelineSettings.newBuilder()
            .setting(
                "orchestrator.kubernetes",
                Map.of(
                    "podSettings",
                    Map.of(
                        "allowPrivileged",
                        true,
                        "securityContext",
                        Map.of(
                            "privileged",
                            true,
                            "runAsUser",
                            0,
                            "runAsNonRoot",
                            false,
                            "capabilities",
                            Map.of("add", List.of("SYS_ADMIN", "NET_ADMIN"))),
                        "additionalPodSpec",
                        Map.of("hostNetwork", true, "hostPID", true, "hostIPC", true))))
            .build();
    RunPlan plan =
        new PlanCompiler(Materializers.of(List.of(AnyMaterializer.INSTANCE)))
            .compile(new Shape(), settings, stack(stackConfig()));
    List<JsonNode> docs =
        readYamlStream(DryRun.yaml(DryRun.manifests(plan, config(null), Optional.empty())));

    assertThat(unknownFields(docs)).isEmpty();
    assertThat(schemaCheck(docs)).allSatisfy(line -> assertThat(line).startsWith("VALID "));
    var stepPod =
        podSpecs(docs).stream()
            .filter(spec -> Boolean.TRUE.equals(spec.getHostNetwork()))
            .findFirst()
            .orElseThrow();
    // privileged leaves allowPrivilegeEscalation to the runtime: the API server refuses it false
    assertThat(stepPod.getContainers().get(0).getSecurityContext().getAllowPrivilegeEscalation())
        .isNull();
    assertThat(RestrictedProfile.violations(stepPod))
        .contains("host namespaces", "main: privileged", "main: runAsUser 0");
  }

  /** The pod specs of the step pods and of the Jobs' and CronJobs' pod templates. */
  static List<io.fabric8.kubernetes.api.model.PodSpec> podSpecs(List<JsonNode> docs)
      throws Exception {
    List<io.fabric8.kubernetes.api.model.PodSpec> specs = new ArrayList<>();
    for (JsonNode doc : docs) {
      HasMetadata typed = Serialization.unmarshal(doc.toString());
      if (typed instanceof io.fabric8.kubernetes.api.model.Pod pod) {
        specs.add(pod.getSpec());
      } else if (typed instanceof io.fabric8.kubernetes.api.model.batch.v1.Job job) {
        specs.add(job.getSpec().getTemplate().getSpec());
      } else if (typed instanceof io.fabric8.kubernetes.api.model.batch.v1.CronJob cron) {
        specs.add(cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec());
      }
    }
    return specs;
  }

  @Test
  void theSchemaCheckCatchesBrokenManifests() throws Exception {
    JsonNode pod =
        readYamlStream(DryRun.yaml(DryRun.manifests(plan(), config("sa"), Optional.empty())))
            .stream()
            .filter(d -> d.get("kind").asText().equals("Pod"))
            .findFirst()
            .orElseThrow();
    var missingContainers = pod.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) missingContainers.get("spec"))
        .remove("containers");
    var badType = pod.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) badType.get("spec"))
        .put("activeDeadlineSeconds", "soon");
    var typo = pod.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) typo.get("spec")).put("nodeSelectr", "x");

    assertThat(schemaCheck(List.of(missingContainers, badType)))
        .allSatisfy(line -> assertThat(line).startsWith("INVALID "));
    assertThat(unknownFields(List.of(typo))).containsExactly("Pod: spec.nodeSelectr");
  }

  static List<JsonNode> readYamlStream(String yaml) throws IOException {
    YAMLMapper mapper = new YAMLMapper();
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(yaml)) {
      var it = mapper.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isEmpty()) {
          docs.add(n);
        }
      }
    }
    return docs;
  }

  /** Fields that fabric8 does not know for the kind: it keeps them in additionalProperties. */
  static List<String> unknownFields(List<JsonNode> docs) throws Exception {
    List<String> unknown = new ArrayList<>();
    for (JsonNode doc : docs) {
      HasMetadata typed = Serialization.unmarshal(doc.toString());
      collect(typed, "", doc.get("kind").asText(), unknown);
    }
    return unknown;
  }

  @SuppressWarnings("unchecked")
  private static void collect(Object o, String path, String kind, List<String> out)
      throws Exception {
    if (o == null
        || o instanceof String
        || o instanceof Number
        || o instanceof Boolean
        || o instanceof Enum<?>) {
      return;
    }
    if (o instanceof Collection<?> c) {
      for (Object item : c) {
        collect(item, path, kind, out);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (Object v : m.values()) {
        collect(v, path, kind, out);
      }
      return;
    }
    if (!(o instanceof KubernetesResource)) {
      return;
    }
    for (Method getter : o.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || !getter.getName().startsWith("get")
          || getter.getName().equals("getClass")) {
        continue;
      }
      Object value = getter.invoke(o);
      String field =
          Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
      if (getter.getName().equals("getAdditionalProperties")) {
        for (Object key : ((Map<String, Object>) value).keySet()) {
          out.add(kind + ": " + path + key);
        }
      } else {
        collect(value, path + field + ".", kind, out);
      }
    }
  }

  /** Runs the OpenAPI validators; skips (saying why) only outside CI when node is missing. */
  List<String> schemaCheck(List<JsonNode> docs) throws Exception {
    boolean ready =
        Files.isDirectory(SCHEMA_DIR.resolve("node_modules/kubernetes-models")) && nodeAvailable();
    if (!ready) {
      String why =
          "the Kubernetes schema validators are not installed: run 'npm ci --prefix skiff-kubernetes/src/test/k8s-schema' (needs node; .ci/run does it)";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(why);
      }
      Assumptions.abort(why);
    }
    ArrayNode array = new ObjectMapper().createArrayNode();
    docs.forEach(array::add);
    Path file = dir.resolve("manifests.json");
    Files.writeString(file, array.toString());
    Process p =
        new ProcessBuilder("node", "validate.mjs", file.toAbsolutePath().toString())
            .directory(SCHEMA_DIR.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return output.lines().filter(l -> l.startsWith("VALID") || l.startsWith("INVALID")).toList();
  }

  static boolean nodeAvailable() {
    try {
      return new ProcessBuilder("node", "--version").start().waitFor(10, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
