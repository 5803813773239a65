package dev.skiff.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.plan.StepPolicy;
import dev.skiff.kubernetes.internal.Labels;
import dev.skiff.kubernetes.internal.Manifests;
import dev.skiff.kubernetes.internal.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static KubernetesOrchestratorConfig config() {
    return new KubernetesOrchestratorConfig(
        null,
        null,
        null,
        null,
        "registry.local/skiff:digits",
        List.of("regcred"),
        null,
        null,
        null,
        "jdbc:postgresql://db/skiff",
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

  static PlanStep step(String name, Duration timeout) {
    return new PlanStep(
        name,
        "C#m()V",
        "h",
        List.of(),
        List.of(),
        false,
        List.of(),
        new StepPolicy(true, 1, Duration.ofSeconds(1), 2, Duration.ofMinutes(1), timeout),
        Map.of());
  }

  static RunPlan plan() {
    return new RunPlan(
        1,
        "digits",
        "x.DigitsPipeline",
        true,
        0,
        "k8s",
        Map.of(),
        List.of(step("skew_comparison", Duration.ofMillis(1500))));
  }

  /** A pod settings map in Kubernetes' own field names, as a user would write it. */
  static PodSettings gpuSettings() {
    Map<String, Object> raw =
        Map.of(
            "nodeSelector", Map.of("pool", "gpu"),
            "affinity",
                Map.of(
                    "nodeAffinity",
                    Map.of(
                        "requiredDuringSchedulingIgnoredDuringExecution",
                        Map.of(
                            "nodeSelectorTerms",
                            List.of(
                                Map.of(
                                    "matchExpressions",
                                    List.of(
                                        Map.of(
                                            "key",
                                            "node.kubernetes.io/name",
                                            "operator",
                                            "In",
                                            "values",
                                            List.of("big")))))))),
            "tolerations",
                List.of(
                    Map.of("key", "nvidia.com/gpu", "operator", "Exists", "effect", "NoSchedule")),
            "resources",
                Map.of(
                    "requests",
                    Map.of("cpu", "2", "memory", "4Gi"),
                    "limits",
                    Map.of("memory", "8Gi")),
            "gpus", 1,
            "labels", Map.of("team", "vision"));
    return JSON.convertValue(raw, PodSettings.class);
  }

  final Manifests manifests = new Manifests(config(), "registry.local/skiff@sha256:abc");

  /** Settings with {@code keyValues} set, the rest at their defaults. */
  static KubernetesSettings settings(Object... keyValues) {
    Map<String, Object> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put((String) keyValues[i], keyValues[i + 1]);
    }
    return JSON.convertValue(map, KubernetesSettings.class);
  }

  @Test
  void theOrchestratorJobIgnoresDisruptionsAndFailsAtOnceOnAConfigurationError() {
    Job job =
        manifests.orchestratorJob(
            plan(),
            "r1",
            settings(
                "backoffLimit", 1, "ttlSecondsAfterFinished", 600, "activeDeadlineSeconds", 7200));

    var spec = job.getSpec();
    assertThat(spec.getBackoffLimit()).isEqualTo(1);
    assertThat(spec.getTtlSecondsAfterFinished()).isEqualTo(600);
    assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(7200L);
    var rules = spec.getPodFailurePolicy().getRules();
    assertThat(rules).hasSize(2);
    assertThat(rules.get(0).getAction()).isEqualTo("Ignore");
    assertThat(rules.get(0).getOnPodConditions())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getType()).isEqualTo("DisruptionTarget");
              assertThat(c.getStatus()).isEqualTo("True");
            });
    assertThat(rules.get(1).getAction()).isEqualTo("FailJob");
    assertThat(rules.get(1).getOnExitCodes().getContainerName()).isEqualTo(Manifests.CONTAINER);
    assertThat(rules.get(1).getOnExitCodes().getOperator()).isEqualTo("In");
    assertThat(rules.get(1).getOnExitCodes().getValues())
        .containsExactly(dev.skiff.kubernetes.internal.OrchestratorMain.CONFIGURATION_ERROR);
    assertThat(spec.getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");

    var defaults = manifests.orchestratorJob(plan(), "r1", settings()).getSpec();
    assertThat(defaults.getBackoffLimit()).isEqualTo(3);
    assertThat(defaults.getTtlSecondsAfterFinished()).isEqualTo(7 * 24 * 3600);
    assertThat(defaults.getActiveDeadlineSeconds()).isNull();
  }

  @Test
  void podsRequestCpuAndMemoryUnlessTheirSettingsSayOtherwise() {
    var job = manifests.orchestratorJob(plan(), "r1", settings());
    assertThat(
            job.getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getResources()
                .getRequests())
        .containsEntry("cpu", new Quantity("100m"))
        .containsEntry("memory", new Quantity("400Mi"));
    Pod plain =
        manifests.stepPod(plan(), "r1", plan().steps().get(0), 1, PodSettings.EMPTY, "sa", null);
    assertThat(plain.getSpec().getContainers().get(0).getResources().getRequests())
        .containsEntry("cpu", new Quantity("100m"))
        .containsEntry("memory", new Quantity("400Mi"));
    // a limit alone: the request defaults to it in Kubernetes, so Skiff adds none for that resource
    PodSettings limited =
        JSON.convertValue(
            Map.of("resources", Map.of("limits", Map.of("memory", "256Mi"))), PodSettings.class);
    var resources =
        manifests
            .stepPod(plan(), "r1", plan().steps().get(0), 1, limited, "sa", null)
            .getSpec()
            .getContainers()
            .get(0)
            .getResources();
    assertThat(resources.getRequests()).containsOnlyKeys("cpu");
    assertThat(resources.getLimits()).containsOnlyKeys("memory");
  }

  @Test
  void runObjectsAreOwnedByTheJobButNotControlledByIt() {
    Job job = manifests.orchestratorJob(plan(), "r1", settings());
    job.getMetadata().setUid("uid-1");
    var owner = Manifests.ownedBy(job);
    assertThat(owner.getController()).isFalse();
    assertThat(owner.getBlockOwnerDeletion()).isNull();
    assertThat(owner.getUid()).isEqualTo("uid-1");
    // the pod's controller reference (what the orchestrator pod sees on itself) becomes a plain one
    var controllerRef =
        new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
            .withApiVersion("batch/v1")
            .withKind("Job")
            .withName("r1-orchestrator")
            .withUid("uid-1")
            .withController(true)
            .withBlockOwnerDeletion(true)
            .build();
    assertThat(Manifests.ownedBy(controllerRef)).isEqualTo(owner);
    Pod pod =
        manifests.stepPod(plan(), "r1", plan().steps().get(0), 1, PodSettings.EMPTY, "sa", owner);
    assertThat(pod.getMetadata().getOwnerReferences()).containsExactly(owner);
  }

  @Test
  void cronJobsTakeTheScheduleSettings() {
    var cron =
        manifests.cronJob(
            plan(),
            "nightly",
            "0 3 * * *",
            "skiff-schedule-nightly",
            settings(
                "concurrencyPolicy", "Replace",
                "startingDeadlineSeconds", 300,
                "timeZone", "Europe/Paris",
                "successfulJobsHistoryLimit", 5,
                "failedJobsHistoryLimit", 2));
    var spec = cron.getSpec();
    assertThat(spec.getConcurrencyPolicy()).isEqualTo("Replace");
    assertThat(spec.getStartingDeadlineSeconds()).isEqualTo(300L);
    assertThat(spec.getTimeZone()).isEqualTo("Europe/Paris");
    assertThat(spec.getSuccessfulJobsHistoryLimit()).isEqualTo(5);
    assertThat(spec.getFailedJobsHistoryLimit()).isEqualTo(2);
    var defaults = manifests.cronJob(plan(), "nightly", "0 3 * * *", "s", settings()).getSpec();
    assertThat(defaults.getConcurrencyPolicy()).isEqualTo("Forbid");
    assertThat(defaults.getTimeZone()).isNull();
    assertThat(defaults.getSuccessfulJobsHistoryLimit()).isEqualTo(3);
    assertThat(defaults.getFailedJobsHistoryLimit()).isEqualTo(1);
    assertThatThrownBy(() -> settings("concurrencyPolicy", "Sometimes"))
        .hasRootCauseMessage("concurrencyPolicy 'Sometimes' is not one of Allow, Forbid, Replace");
    assertThatThrownBy(() -> settings("timeZone", "Mars/Olympus"))
        .hasRootCauseMessage(
            "timeZone 'Mars/Olympus' is not an IANA time zone name, e.g. Europe/Paris or Etc/UTC");
    assertThatThrownBy(() -> settings("backoffLimit", -1))
        .hasRootCauseMessage("backoffLimit must be 0 or more, got -1");
  }

  @Test
  void envFromPullSecretsSchedulerAndPriorityReachThePod() {
    PodSettings settings =
        JSON.convertValue(
            Map.of(
                "envFrom",
                List.of(Map.of("secretRef", Map.of("name", "team-keys"))),
                "imagePullSecrets",
                List.of("regcred", "gpu-registry"),
                "schedulerName",
                "gpu-scheduler",
                "priorityClassName",
                "training"),
            PodSettings.class);
    PodSpec spec =
        manifests.stepPod(plan(), "r1", plan().steps().get(0), 1, settings, "sa", null).getSpec();

    assertThat(spec.getContainers().get(0).getEnvFrom())
        .singleElement()
        .satisfies(e -> assertThat(e.getSecretRef().getName()).isEqualTo("team-keys"));
    assertThat(spec.getImagePullSecrets())
        .extracting(r -> r.getName())
        .containsExactly(
            "regcred", "gpu-registry"); // the configuration's, then the settings' new ones
    assertThat(spec.getSchedulerName()).isEqualTo("gpu-scheduler");
    assertThat(spec.getPriorityClassName()).isEqualTo("training");
    assertThat(RestrictedProfile.violations(spec)).isEmpty();
  }

  @Test
  void aStepPodMountsAnApiTokenOnlyWhenItsSettingsAskForOne() {
    PodSettings asking =
        JSON.convertValue(Map.of("automountServiceAccountToken", true), PodSettings.class);
    assertThat(
            manifests
                .stepPod(plan(), "r1", plan().steps().get(0), 1, asking, "sa", null)
                .getSpec()
                .getAutomountServiceAccountToken())
        .isTrue();
  }

  @Test
  void roleGrantsOnlyWhatSkiffUsesAndNoWildcards() {
    List<PolicyRule> rules = manifests.role().getRules();
    assertThat(rules)
        .allSatisfy(
            r -> {
              assertThat(r.getVerbs()).doesNotContain("*");
              assertThat(r.getResources()).doesNotContain("*");
              assertThat(r.getApiGroups()).doesNotContain("*");
            });
    assertThat(rules)
        .flatExtracting(PolicyRule::getVerbs)
        .doesNotContain("patch", "escalate", "bind", "impersonate");
    // deletecollection only on pods: succeeded step pods are deleted in batches
    assertThat(rules)
        .filteredOn(r -> r.getVerbs().contains("deletecollection"))
        .flatExtracting(PolicyRule::getResources)
        .containsExactly("pods");
    assertThat(rules)
        .flatExtracting(PolicyRule::getResources)
        .doesNotContain("secrets", "roles", "rolebindings", "events", "jobs/finalizers");
    // update only on Jobs: a scheduled run's orchestrator records its run id on its own Job
    assertThat(rules)
        .filteredOn(r -> r.getVerbs().contains("update"))
        .singleElement()
        .satisfies(r -> assertThat(r.getResources()).containsExactly("jobs"));
    assertThat(manifests.roleBinding().getRoleRef().getKind())
        .isEqualTo("Role"); // namespaced, never a ClusterRole like edit
    assertThat(manifests.roleBinding().getSubjects().get(0).getName())
        .isEqualTo("skiff-service-account");
  }

  @Test
  void stepPodCarriesLabelsNameAndDeadline() {
    Pod pod =
        manifests.stepPod(
            plan(),
            "digits-20261123-1",
            plan().steps().get(0),
            2,
            PodSettings.EMPTY,
            "skiff-service-account",
            null);

    assertThat(pod.getMetadata().getName())
        .isEqualTo(Names.stepPod("digits-20261123-1", "skew_comparison", 2))
        .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")
        .hasSizeLessThanOrEqualTo(63);
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("run", "digits-20261123-1")
        .containsEntry("pipeline", "digits")
        .containsEntry("step", "skew_comparison")
        .containsEntry("app.kubernetes.io/managed-by", "skiff");
    assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(2L);
    assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    Container c = pod.getSpec().getContainers().get(0);
    assertThat(c.getArgs())
        .containsExactly(
            "step", "--run", "digits-20261123-1", "--step", "skew_comparison", "--attempt", "2");
    assertThat(c.getImage()).isEqualTo("registry.local/skiff@sha256:abc");
  }

  @Test
  void storeAddressesReachPodsOnlyThroughTheSecret() throws Exception {
    Pod pod =
        manifests.stepPod(plan(), "r1", plan().steps().get(0), 1, PodSettings.EMPTY, "sa", null);
    String json = JSON.writeValueAsString(pod);

    assertThat(json).doesNotContain("jdbc:postgresql");
    assertThat(pod.getSpec().getContainers().get(0).getEnv())
        .filteredOn(e -> e.getName().equals("SKIFF_METADATA_URL"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getValueFrom().getSecretKeyRef().getName())
                    .isEqualTo(Names.runSecret("r1")));
    String s3 =
        dev.skiff.core.spi.StoreAccess.artifactStoreAddress(
            "s3",
            JSON.createObjectNode().put("path", "s3://b/p").put("secretAccessKey", "TOPSECRETKEY"));
    var stores =
        new dev.skiff.core.spi.StoreAccess("jdbc:postgresql://db/skiff?user=u", "PASSWORD123", s3);
    String secretJson = JSON.writeValueAsString(manifests.runSecret("r1", "digits", stores));
    assertThat(secretJson).doesNotContain("jdbc:postgresql", "PASSWORD123", "TOPSECRETKEY");
    var data = manifests.runSecret("r1", "digits", stores).getData();
    assertThat(data)
        .containsOnlyKeys(
            Manifests.SECRET_METADATA_URL,
            Manifests.SECRET_METADATA_PASSWORD,
            Manifests.SECRET_ARTIFACT_STORE);
    assertThat(
            new String(
                java.util.Base64.getDecoder().decode(data.get(Manifests.SECRET_METADATA_PASSWORD)),
                java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("PASSWORD123");
    assertThat(
            manifests
                .runSecret(
                    "r1",
                    "digits",
                    new dev.skiff.core.spi.StoreAccess("jdbc:postgresql://db/skiff", null, s3))
                .getData())
        .doesNotContainKey(Manifests.SECRET_METADATA_PASSWORD);
    // every store variable of a pod comes from the Secret; none is a value in the pod spec
    assertThat(pod.getSpec().getContainers().get(0).getEnv())
        .filteredOn(
            e ->
                e.getName().startsWith("SKIFF_METADATA")
                    || e.getName().equals("SKIFF_ARTIFACT_STORE"))
        .hasSize(3)
        .allSatisfy(
            e -> {
              assertThat(e.getValue()).isNull();
              assertThat(e.getValueFrom().getSecretKeyRef().getName())
                  .isEqualTo(Names.runSecret("r1"));
            });
  }

  @Test
  void everyPodMeetsTheRestrictedPodSecurityProfile() {
    Pod step = manifests.stepPod(plan(), "r1", plan().steps().get(0), 1, gpuSettings(), "sa", null);
    Job job = manifests.orchestratorJob(plan(), "r1", settings("serviceAccountName", "sa"));
    var cron =
        manifests.cronJob(
            plan(),
            "nightly",
            "0 3 * * *",
            "skiff-schedule-nightly",
            settings("serviceAccountName", "sa"));

    for (PodSpec spec :
        List.of(
            step.getSpec(),
            job.getSpec().getTemplate().getSpec(),
            cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec())) {
      assertThat(RestrictedProfile.violations(spec)).isEmpty();
    }
  }

  @Test
  void aSecurityContextMergesOverSkiffsFieldByField() {
    PodSettings custom =
        JSON.convertValue(
            Map.of(
                "securityContext",
                Map.of(
                    "runAsUser",
                    1000,
                    "readOnlyRootFilesystem",
                    false,
                    "capabilities",
                    Map.of("add", List.of("NET_BIND_SERVICE")))),
            PodSettings.class);

    Pod pod = manifests.stepPod(plan(), "r1", plan().steps().get(0), 1, custom, "sa", null);

    var sc = pod.getSpec().getContainers().get(0).getSecurityContext();
    assertThat(sc.getRunAsUser()).isEqualTo(1000L);
    assertThat(sc.getReadOnlyRootFilesystem()).isFalse();
    assertThat(sc.getCapabilities().getAdd()).containsExactly("NET_BIND_SERVICE");
    // what the settings leave unset stays Skiff's
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(RestrictedProfile.violations(pod.getSpec())).isEmpty();
  }

  @Test
  void additionalPodSpecFieldsReachThePodAndLeaveSkiffsAlone() {
    PodSettings custom =
        JSON.convertValue(
            Map.of(
                "nodeSelector",
                Map.of("pool", "ml"),
                "additionalPodSpec",
                Map.of(
                    "dnsConfig",
                    Map.of("nameservers", List.of("10.0.0.10")),
                    "hostAliases",
                    List.of(Map.of("ip", "10.0.0.5", "hostnames", List.of("registry.local"))),
                    "terminationGracePeriodSeconds",
                    5)),
            PodSettings.class);

    Pod pod = manifests.stepPod(plan(), "r1", plan().steps().get(0), 1, custom, "sa", null);
    Job job =
        manifests.orchestratorJob(
            plan(), "r1", settings("serviceAccountName", "sa", "orchestratorPodSettings", custom));

    for (PodSpec spec : List.of(pod.getSpec(), job.getSpec().getTemplate().getSpec())) {
      assertThat(spec.getDnsConfig().getNameservers()).containsExactly("10.0.0.10");
      assertThat(spec.getHostAliases().get(0).getHostnames()).containsExactly("registry.local");
      assertThat(spec.getTerminationGracePeriodSeconds()).isEqualTo(5L);
      assertThat(spec.getNodeSelector()).isEqualTo(Map.of("pool", "ml"));
      assertThat(spec.getServiceAccountName()).isEqualTo("sa");
      assertThat(spec.getRestartPolicy()).isEqualTo("Never");
      assertThat(spec.getContainers()).extracting(Container::getName).containsExactly("main");
      assertThat(spec.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
      assertThat(RestrictedProfile.violations(spec)).isEmpty();
    }
  }

  @Test
  void allowPrivilegedLetsAPodLeaveTheRestrictedProfile() {
    PodSettings privileged =
        JSON.convertValue(
            Map.of(
                "allowPrivileged",
                true,
                "securityContext",
                Map.of("privileged", true),
                "additionalPodSpec",
                Map.of("hostNetwork", true)),
            PodSettings.class);

    Pod pod = manifests.stepPod(plan(), "r1", plan().steps().get(0), 1, privileged, "sa", null);

    var sc = pod.getSpec().getContainers().get(0).getSecurityContext();
    assertThat(sc.getPrivileged()).isTrue();
    // the API server refuses allowPrivilegeEscalation false on a privileged container
    assertThat(sc.getAllowPrivilegeEscalation()).isNull();
    assertThat(pod.getSpec().getHostNetwork()).isTrue();
    assertThat(RestrictedProfile.violations(pod.getSpec()))
        .containsExactlyInAnyOrder(
            "host namespaces", "main: privileged", "main: allowPrivilegeEscalation must be false");
    assertThatThrownBy(
            () ->
                JSON.convertValue(
                    Map.of("securityContext", Map.of("privileged", true)), PodSettings.class))
        .hasRootCauseMessage(
            "securityContext.privileged: true leaves the restricted Pod Security profile: remove"
                + " it, or set allowPrivileged: true in the same pod settings if the namespace"
                + " admits such pods");
  }

  @Test
  void onlyTheOrchestratorPodGetsAnApiToken() {
    assertThat(manifests.serviceAccount().getAutomountServiceAccountToken()).isFalse();
    assertThat(
            manifests
                .orchestratorJob(plan(), "r1", settings("serviceAccountName", "sa"))
                .getSpec()
                .getTemplate()
                .getSpec()
                .getAutomountServiceAccountToken())
        .isTrue();
    assertThat(
            manifests
                .stepPod(plan(), "r1", plan().steps().get(0), 1, PodSettings.EMPTY, "sa", null)
                .getSpec()
                .getAutomountServiceAccountToken())
        .isFalse();
  }

  @Test
  void theOrchestratorJvmCompilesWithC1OnlyUnlessItsSettingsSayOtherwise() {
    assertThat(env(orchestratorContainer(settings())))
        .containsEntry("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1");
    assertThat(
            env(
                manifests
                    .stepPod(plan(), "r1", plan().steps().get(0), 1, PodSettings.EMPTY, "sa", null)
                    .getSpec()
                    .getContainers()
                    .get(0)))
        .doesNotContainKey("JAVA_TOOL_OPTIONS");

    Container own =
        orchestratorContainer(
            settings(
                "orchestratorPodSettings",
                Map.of(
                    "env",
                    List.of(Map.of("name", "JAVA_TOOL_OPTIONS", "value", "-XX:+UseSerialGC")))));
    assertThat(own.getEnv().stream().filter(e -> e.getName().equals("JAVA_TOOL_OPTIONS")))
        .singleElement()
        .satisfies(e -> assertThat(e.getValue()).isEqualTo("-XX:+UseSerialGC"));
  }

  private Container orchestratorContainer(KubernetesSettings settings) {
    return manifests
        .orchestratorJob(plan(), "r1", settings)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  private static Map<String, String> env(Container container) {
    Map<String, String> env = new java.util.HashMap<>();
    container.getEnv().forEach(e -> env.put(e.getName(), String.valueOf(e.getValue())));
    return env;
  }

  @Test
  void podSettingsFromPlainMapsAppearInTheStepPod() {
    Pod pod = manifests.stepPod(plan(), "r1", plan().steps().get(0), 1, gpuSettings(), "sa", null);
    PodSpec spec = pod.getSpec();

    assertThat(spec.getNodeSelector()).containsEntry("pool", "gpu");
    assertThat(
            spec.getAffinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()
                .get(0)
                .getMatchExpressions()
                .get(0)
                .getValues())
        .containsExactly("big");
    assertThat(spec.getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
    var resources = spec.getContainers().get(0).getResources();
    assertThat(resources.getRequests())
        .containsEntry("cpu", new Quantity("2"))
        .containsEntry("memory", new Quantity("4Gi"));
    assertThat(resources.getLimits())
        .containsEntry("memory", new Quantity("8Gi"))
        .containsEntry("nvidia.com/gpu", new Quantity("1"));
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("team", "vision")
        .containsEntry("run", "r1");
  }

  @Test
  void malformedPodSettingsAreRejected() {
    assertThatThrownBy(
            () -> JSON.convertValue(Map.of("labels", Map.of("run", "mine")), PodSettings.class))
        .hasRootCauseMessage("label 'run' is set by Skiff and cannot be changed in pod settings");
    assertThatThrownBy(() -> JSON.convertValue(Map.of("gpus", -1), PodSettings.class))
        .hasRootCauseMessage("gpus must be 0 or positive, got -1");
    assertThatThrownBy(
            () ->
                JSON.convertValue(
                    Map.of("volumeMounts", List.of(Map.of("name", "data"))), PodSettings.class))
        .hasRootCauseMessage("every volume mount needs a name and a mountPath");
  }

  @Test
  void namesAreDnsSafeDeterministicAndDistinct() {
    String a = Names.stepPod("digits-20261123-134217-sru6", "skew_comparison", 1);
    assertThat(a).isEqualTo(Names.stepPod("digits-20261123-134217-sru6", "skew_comparison", 1));
    assertThat(a).isNotEqualTo(Names.stepPod("digits-20261123-134217-sru6", "skew-comparison", 1));
    String longName =
        Names.stepPod(
            "a-very-long-pipeline-name-for-testing-20261123-134217-sru6",
            "a_step_with_a_long_name_too",
            12);
    assertThat(longName).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    assertThat(Names.stepPod("r", "s", 1)).isEqualTo("r-s-1");
  }

  @Test
  void anInstanceIndexIsUsedAsWrittenInPodNamesAndLabels() {
    assertThat(Names.stepPod("r", "m[03]", 1)).isEqualTo("r-m-03-1");
    assertThat(Names.stepPod("r", "m[3]", 1)).isEqualTo("r-m-3-1");
    assertThat(Labels.step("r", "p", "m[03]"))
        .containsEntry(Labels.STEP, "m")
        .containsEntry(Labels.MAP_INDEX, "03");
    assertThat(Labels.step("r", "p", "m[x]"))
        .containsEntry(Labels.STEP, "m-x")
        .doesNotContainKey(Labels.MAP_INDEX);
  }

  /** A plan with map {@code train} over the list output {@code trials} of step {@code grid}. */
  static RunPlan mapPlan(String mapName) {
    PlanStep map =
        new PlanStep(
            mapName,
            "C#train()V",
            "h",
            List.of(
                dev.skiff.core.plan.PlanInput.artifact(
                    "trial", "java.util.List<java.lang.String>", "grid", "out")),
            List.of(),
            false,
            List.of(),
            new StepPolicy(true, 1, Duration.ofSeconds(1), 2, Duration.ofMinutes(1), null),
            Map.of(),
            new dev.skiff.core.plan.PlanMap(4),
            List.of(),
            null);
    return new RunPlan(
        1,
        "sweep",
        "x.SweepPipeline",
        true,
        0,
        "k8s",
        Map.of(),
        List.of(step("grid", null), map, step(mapName + "-3", null)));
  }

  @Test
  void mapInstancePodIsNamedByRunMapIndexAndAttemptAndLabelledWithTheMapAndIndex() {
    RunPlan plan = mapPlan("train");
    Pod pod =
        manifests.stepPod(
            plan,
            "sweep-20261207-1",
            plan.step("train[3]"),
            2,
            PodSettings.EMPTY,
            "skiff-service-account",
            null);

    assertThat(pod.getMetadata().getName()).isEqualTo("sweep-20261207-1-train-3-2");
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("step", "train") // -l step=train selects every instance
        .containsEntry("skiff.dev/map-index", "3")
        .containsEntry("run", "sweep-20261207-1");
    // the pod finds its instance in the stored plan by this name
    assertThat(pod.getSpec().getContainers().get(0).getArgs())
        .containsSubsequence("--step", "train[3]", "--attempt", "2");
    Pod ordinary =
        manifests.stepPod(
            plan, "sweep-20261207-1", plan.step("grid"), 1, PodSettings.EMPTY, "sa", null);
    assertThat(ordinary.getMetadata().getLabels()).doesNotContainKey("skiff.dev/map-index");
  }

  @Test
  void aStepNamedLikeAnInstanceGetsAnotherPodName() {
    RunPlan plan = mapPlan("m");
    String run = "sweep-20261207-1";
    String instance =
        manifests
            .stepPod(plan, run, plan.step("m[3]"), 1, PodSettings.EMPTY, "sa", null)
            .getMetadata()
            .getName();
    String step =
        manifests
            .stepPod(plan, run, plan.step("m-3"), 1, PodSettings.EMPTY, "sa", null)
            .getMetadata()
            .getName();

    assertThat(instance).isEqualTo(run + "-m-3-1");
    assertThat(step)
        .isNotEqualTo(instance)
        .startsWith(run + "-m-3-1-")
        .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    // also where both are cut to 63 characters and hashed
    String longRun = "a-very-long-pipeline-name-for-testing-20261207-134217-sru6";
    assertThat(Names.stepPod(longRun, "m[3]", 1))
        .isNotEqualTo(Names.stepPod(longRun, "m-3", 1))
        .hasSizeLessThanOrEqualTo(63);
    assertThat(Names.stepPod(longRun, "m[3]", 1)).isEqualTo(Names.stepPod(longRun, "m[3]", 1));
  }

  @Test
  void instancePodNamesAreDistinctAcrossIndexesAttemptsAndMaps() {
    List<String> maps = List.of("m", "m-1", "M", "m_1");
    java.util.Set<String> steps = new java.util.LinkedHashSet<>();
    for (String map : maps) {
      steps.addAll(List.of(map, map + "-1", map + "-12", map + "-1-2"));
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    for (int attempt = 1; attempt < 13; attempt++) {
      for (String map : maps) {
        for (int index = 0; index < 13; index++) {
          String name = Names.stepPod("r", map + "[" + index + "]", attempt);
          assertThat(name).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
          assertThat(names.add(name)).as("%s is unique", name).isTrue();
        }
      }
      for (String step : steps) {
        String name = Names.stepPod("r", step, attempt);
        assertThat(names.add(name))
            .as("step %s attempt %s: %s is unique", step, attempt, name)
            .isTrue();
      }
    }
  }
}
