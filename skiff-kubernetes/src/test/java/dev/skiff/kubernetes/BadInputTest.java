package dev.skiff.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.plan.PipelineDefinitionException;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.ResolvedComponent;
import dev.skiff.core.stack.ResolvedStack;
import dev.skiff.kubernetes.internal.ClusterAccess;
import dev.skiff.kubernetes.internal.KubernetesOrchestrator;
import dev.skiff.kubernetes.internal.KubernetesOrchestratorFlavor;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad input gives a one-line error that names the fix, and leaves nothing half made. */
@EnableKubernetesMockClient(crud = true, https = false)
class BadInputTest {
  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir Path dir;
  MetadataStore store;
  String previousKubeconfig;

  public static final class OneStep implements PipelineDefinition {
    static String hello() {
      return "hi";
    }

    @Override
    public String name() {
      return "hello";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("hello", OneStep::hello);
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    java.util.logging.Logger.getLogger("io.fabric8").setLevel(java.util.logging.Level.WARNING);
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
    previousKubeconfig = System.getProperty("kubeconfig");
    System.setProperty("kubeconfig", kubeconfig("dev", server.url("/")).toString());
    System.setProperty("kubernetes.auth.tryServiceAccount", "false");
  }

  @AfterEach
  void tearDown() {
    store.close();
    if (previousKubeconfig == null) {
      System.clearProperty("kubeconfig");
    } else {
      System.setProperty("kubeconfig", previousKubeconfig);
    }
  }

  Path kubeconfig(String context, String server) throws IOException {
    Path file = dir.resolve("kubeconfig-" + context);
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster:
            server: %s
        users:
        - name: u
          user:
            token: t0ken
        contexts:
        - name: %s
          context:
            cluster: c
            user: u
        current-context: %s
        """
            .formatted(server, context, context));
    return file;
  }

  KubernetesOrchestrator orchestrator(KubernetesOrchestratorConfig config) throws IOException {
    var artifacts = new LocalArtifactStore(dir.resolve("artifacts"));
    return new KubernetesOrchestrator(
        config,
        new OrchestratorContext(
            store,
            "jdbc:sqlite:" + dir.resolve("skiff.db"),
            artifacts,
            Materializers.of(List.of()),
            getClass().getClassLoader(),
            "",
            "k8s"));
  }

  static KubernetesOrchestratorConfig config(String context, String serviceAccount) {
    return new KubernetesOrchestratorConfig(
        context,
        null,
        serviceAccount,
        false,
        "registry.local/skiff:hello",
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
        null,
        null);
  }

  static RunPlan plan() {
    return new PlanCompiler(Materializers.of(List.of(AnyMaterializer.INSTANCE)))
        .compile(new OneStep(), PipelineSettings.DEFAULTS);
  }

  void createNamespace() {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName("skiff").endMetadata().build())
        .create();
  }

  @Test
  void unknownContextNamesTheKnownOnes() {
    assertThatThrownBy(() -> ClusterAccess.connect("prod"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "kubeconfig has no context 'prod' (contexts: dev): fix kubernetesContext with 'skiff orchestrator update'");
  }

  @Test
  void unreachableApiServerIsOneLine() throws IOException {
    System.setProperty("kubeconfig", kubeconfig("dead", "https://127.0.0.1:1").toString());

    assertThatThrownBy(() -> orchestrator(config("dead", null)).run(plan(), RunListener.NONE))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "cannot reach the Kubernetes API server at https://127.0.0.1:1/ while checking namespace 'skiff'")
        .hasMessageEndingWith("check kubernetesContext, your network or VPN")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(store.listRuns(null, 10)).isEmpty();
  }

  @Test
  void missingNamespaceSaysHowToCreateIt() {
    assertThatThrownBy(() -> orchestrator(config("dev", null)).run(plan(), RunListener.NONE))
        .hasMessage(
            "namespace 'skiff' does not exist: create it (kubectl create namespace skiff) or set kubernetesNamespace");
    assertThat(store.listRuns(null, 10)).isEmpty();
  }

  @Test
  void forbiddenRbacCreationTellsToSetServiceAccountName() {
    createNamespace();
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/skiff/serviceaccounts")
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage("serviceaccounts is forbidden: User \"me\" cannot create resource")
                .build())
        .always();

    assertThatThrownBy(() -> orchestrator(config("dev", null)).run(plan(), RunListener.NONE))
        .hasMessage(
            "not allowed to create the service account for Skiff in namespace 'skiff' (403): ask an admin for a service account that may manage pods there and set serviceAccountName");
    assertThat(store.listRuns(null, 10)).isEmpty();
  }

  @Test
  void givenServiceAccountSkipsRbacAndSubmitsTheJobAndSecret() throws IOException {
    createNamespace();
    var result = orchestrator(config("dev", "ml-runner")).run(plan(), RunListener.NONE);

    assertThat(result.status()).isEqualTo(RunStatus.RUNNING); // asynchronous
    assertThat(client.serviceAccounts().inNamespace("skiff").list().getItems()).isEmpty();
    var jobs =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace("skiff")
            .withLabel("pipeline", "hello")
            .list()
            .getItems();
    assertThat(jobs)
        .singleElement()
        .satisfies(
            j ->
                assertThat(j.getSpec().getTemplate().getSpec().getServiceAccountName())
                    .isEqualTo("ml-runner"));
    var secret =
        client.secrets().inNamespace("skiff").withLabel("run", result.runId()).list().getItems();
    assertThat(secret)
        .singleElement()
        .satisfies(
            s ->
                assertThat(s.getMetadata().getOwnerReferences().get(0).getName())
                    .isEqualTo(jobs.get(0).getMetadata().getName()));
    assertThat(store.findRun(result.runId()).orElseThrow().orchestrator()).isEqualTo("kubernetes");
  }

  @Test
  void createdServiceAccountGetsTheLeastPrivilegeRole() throws IOException {
    createNamespace();
    orchestrator(config("dev", null)).run(plan(), RunListener.NONE);

    assertThat(
            client.serviceAccounts().inNamespace("skiff").withName("skiff-service-account").get())
        .isNotNull();
    var role = client.rbac().roles().inNamespace("skiff").withName("skiff-orchestrator").get();
    assertThat(role.getRules()).flatExtracting(r -> r.getVerbs()).doesNotContain("*");
    assertThat(
            client
                .rbac()
                .roleBindings()
                .inNamespace("skiff")
                .withName("skiff-orchestrator")
                .get()
                .getRoleRef()
                .getName())
        .isEqualTo("skiff-orchestrator");
  }

  @Test
  void malformedPodSettingsAreOneLineCompileErrors() {
    ResolvedStack stack = k8sStack();
    PlanCompiler compiler = new PlanCompiler(Materializers.of(List.of(AnyMaterializer.INSTANCE)));

    assertThatThrownBy(
            () ->
                compiler.compile(
                    new OneStep(),
                    PipelineSettings.newBuilder()
                        .setting(
                            "orchestrator.kubernetes",
                            Map.of("podSettings", Map.of("nodeSelectr", Map.of("a", "b"))))
                        .build(),
                    stack))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessageStartingWith(
            "unknown key 'nodeSelectr' for setting 'orchestrator.kubernetes' of pipeline 'hello' (podSettings): did you mean 'nodeSelector'?");
    assertThatThrownBy(
            () ->
                compiler.compile(
                    new OneStep(),
                    PipelineSettings.newBuilder()
                        .setting(
                            "orchestrator.kubernetes",
                            Map.of("podSettings", Map.of("labels", Map.of("run", "x"))))
                        .build(),
                    stack))
        .hasMessage(
            "invalid configuration for setting 'orchestrator.kubernetes' of pipeline 'hello': label 'run' is set by Skiff and cannot be changed in pod settings");
    assertThatThrownBy(
            () ->
                compiler.compile(
                    new OneStep(),
                    PipelineSettings.newBuilder()
                        .setting(
                            "orchestrator.kubernetes",
                            Map.of("podSettings", Map.of("tolerations", "all")))
                        .build(),
                    stack))
        .isInstanceOf(PipelineDefinitionException.class)
        .hasMessage(
            "key 'tolerations' of setting 'orchestrator.kubernetes' of pipeline 'hello' (podSettings) expects JSON, got 'all'");
  }

  /** The one-line error compiling {@link OneStep} with {@code settings} gives. */
  static String compileError(Map<String, Object> settings) {
    try {
      new PlanCompiler(Materializers.of(List.of(AnyMaterializer.INSTANCE)))
          .compile(
              new OneStep(),
              PipelineSettings.newBuilder().setting("orchestrator.kubernetes", settings).build(),
              k8sStack());
    } catch (PipelineDefinitionException | ConfigException e) {
      assertThat(e.getMessage()).doesNotContain("\n");
      return e.getMessage();
    }
    throw new AssertionError("compiled with " + settings);
  }

  static String podSettingsError(Map<String, Object> podSettings) {
    return compileError(Map.of("podSettings", podSettings));
  }

  @Test
  void podSecurityOutsideTheRestrictedProfileNeedsAllowPrivileged() {
    String prefix =
        "invalid configuration for setting 'orchestrator.kubernetes' of pipeline 'hello': ";
    String allow =
        " leaves the restricted Pod Security profile: remove it, or set allowPrivileged: true in the"
            + " same pod settings if the namespace admits such pods";
    assertThat(podSettingsError(Map.of("securityContext", Map.of("privileged", true))))
        .isEqualTo(prefix + "securityContext.privileged: true" + allow);
    assertThat(podSettingsError(Map.of("securityContext", Map.of("runAsUser", 0))))
        .isEqualTo(prefix + "securityContext.runAsUser: 0 (root)" + allow);
    assertThat(
            podSettingsError(
                Map.of(
                    "securityContext", Map.of("capabilities", Map.of("add", List.of("NET_RAW"))))))
        .isEqualTo(
            prefix
                + "securityContext.capabilities.add: NET_RAW (only NET_BIND_SERVICE may be added)"
                + allow);
    assertThat(
            podSettingsError(
                Map.of("securityContext", Map.of("seccompProfile", Map.of("type", "Unconfined")))))
        .isEqualTo(prefix + "securityContext.seccompProfile.type: Unconfined" + allow);
    assertThat(podSettingsError(Map.of("additionalPodSpec", Map.of("hostIPC", true))))
        .isEqualTo(prefix + "additionalPodSpec.hostIPC: true (the host's namespace)" + allow);
    assertThat(podSettingsError(Map.of("additionalPodSpec", Map.of("hostNetwork", true))))
        .isEqualTo(prefix + "additionalPodSpec.hostNetwork: true (the host's namespace)" + allow);
    assertThat(
            podSettingsError(
                Map.of(
                    "volumes",
                    List.of(Map.of("name", "node", "hostPath", Map.of("path", "/var/data"))))))
        .isEqualTo(prefix + "volumes: 'node' is a hostPath volume (the node's own disk)" + allow);
    // what the API server refuses in any namespace is refused even when allowed
    assertThat(
            podSettingsError(
                Map.of(
                    "allowPrivileged",
                    true,
                    "securityContext",
                    Map.of("privileged", true, "allowPrivilegeEscalation", false))))
        .isEqualTo(
            prefix
                + "securityContext.allowPrivilegeEscalation cannot be false in a privileged"
                + " container or one that adds SYS_ADMIN: leave it unset");
    assertThat(
            podSettingsError(
                Map.of("allowPrivileged", true, "securityContext", Map.of("runAsUser", 0))))
        .isEqualTo(
            prefix
                + "securityContext.runAsUser: 0 needs securityContext.runAsNonRoot: false as well");
    assertThat(
            podSettingsError(
                Map.of("securityContext", Map.of("seccompProfile", Map.of("type", "Localhost")))))
        .isEqualTo(
            prefix
                + "securityContext.seccompProfile.localhostProfile is required with type Localhost"
                + " (a profile on the node)");
    // inside the profile, or allowed: compiles
    new PlanCompiler(Materializers.of(List.of(AnyMaterializer.INSTANCE)))
        .compile(
            new OneStep(),
            PipelineSettings.newBuilder()
                .setting(
                    "orchestrator.kubernetes",
                    Map.of(
                        "podSettings",
                        Map.of(
                            "allowPrivileged",
                            true,
                            "securityContext",
                            Map.of("privileged", true),
                            "additionalPodSpec",
                            Map.of("hostNetwork", true))))
                .build(),
            k8sStack());
  }

  @Test
  void additionalPodSpecIsCheckedAgainstTheKubernetesModel() {
    assertThat(
            podSettingsError(
                Map.of(
                    "additionalPodSpec",
                    Map.of("dnsConfig", Map.of("nameserver", List.of("10.0.0.1"))))))
        .startsWith(
            "unknown key 'nameserver' for setting 'orchestrator.kubernetes' of pipeline 'hello'"
                + " (podSettings.additionalPodSpec.dnsConfig): did you mean 'nameservers'?");
    assertThat(podSettingsError(Map.of("additionalPodSpec", Map.of("hostAlias", List.of()))))
        .startsWith(
            "unknown key 'hostAlias' for setting 'orchestrator.kubernetes' of pipeline 'hello'"
                + " (podSettings.additionalPodSpec): did you mean 'hostAliases'?");
    assertThat(
            podSettingsError(
                Map.of("additionalPodSpec", Map.of("terminationGracePeriodSeconds", "soon"))))
        .startsWith(
            "invalid configuration for setting 'orchestrator.kubernetes' of pipeline 'hello':")
        .endsWith(" (at podSettings.additionalPodSpec.terminationGracePeriodSeconds)");
    String prefix =
        "invalid configuration for setting 'orchestrator.kubernetes' of pipeline 'hello': ";
    assertThat(
            podSettingsError(
                Map.of(
                    "additionalPodSpec",
                    Map.of("containers", List.of(Map.of("name", "side", "image", "busybox"))))))
        .isEqualTo(
            prefix
                + "additionalPodSpec.containers is set by Skiff: Skiff makes the pod's one"
                + " container: set its env, envFrom, resources, volumeMounts and securityContext in"
                + " the pod settings");
    assertThat(podSettingsError(Map.of("additionalPodSpec", Map.of("serviceAccountName", "admin"))))
        .isEqualTo(
            prefix
                + "additionalPodSpec.serviceAccountName is set by Skiff: use serviceAccountName or"
                + " stepServiceAccountName");
    assertThat(podSettingsError(Map.of("additionalPodSpec", Map.of("restartPolicy", "Always"))))
        .isEqualTo(
            prefix
                + "additionalPodSpec.restartPolicy is set by Skiff: Skiff runs each attempt once"
                + " (Never): use the step's retry policy");
    assertThat(
            podSettingsError(
                Map.of("additionalPodSpec", Map.of("nodeSelector", Map.of("pool", "gpu")))))
        .isEqualTo(
            prefix
                + "additionalPodSpec.nodeSelector is set by Skiff: use nodeSelector in the pod"
                + " settings");
  }

  @Test
  void unknownFieldsThatBypassTheBinderAreStillRefused() {
    // a configuration read straight from JSON (a stored plan, a Java map): fabric8 keeps unknown
    // fields aside instead of failing, the pod settings refuse them
    assertThatThrownBy(
            () ->
                dev.skiff.core.internal.Json.mapper()
                    .convertValue(
                        Map.of(
                            "additionalPodSpec",
                            Map.of(
                                "topologySpreadConstraints",
                                List.of(Map.of("maxSkew", 1, "topologyKy", "zone")))),
                        PodSettings.class))
        .hasRootCauseMessage(
            "additionalPodSpec.topologySpreadConstraints[0] has no field 'topologyKy' in"
                + " Kubernetes' TopologySpreadConstraint: did you mean 'topologyKey'? (fields:"
                + " labelSelector, matchLabelKeys, maxSkew, minDomains, nodeAffinityPolicy,"
                + " nodeTaintsPolicy, topologyKey, whenUnsatisfiable)");
  }

  @Test
  void apiRateSettingsAreChecked() {
    String prefix =
        "invalid configuration for setting 'orchestrator.kubernetes' of pipeline 'hello': ";
    assertThat(compileError(Map.of("apiQps", -1)))
        .isEqualTo(
            prefix
                + "apiQps must be 0 (no limit) or a positive number of requests a second, got -1.0");
    assertThat(compileError(Map.of("apiQps", 5, "apiBurst", 0)))
        .isEqualTo(
            prefix
                + "apiBurst must be 1 or more while apiQps limits requests, got 0; set apiQps to 0"
                + " for no limit");
    assertThat(KubernetesSettings.DEFAULTS.apiQps()).isEqualTo(20.0);
    assertThat(KubernetesSettings.DEFAULTS.apiBurst()).isEqualTo(30);
  }

  @Test
  void anInvalidImageReferenceIsRefusedBeforeAnythingIsCreated() {
    createNamespace();
    var config =
        new KubernetesOrchestratorConfig(
            "dev",
            null,
            null,
            false,
            "registry.local/Team/Skiff:digits",
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
            null,
            null);

    assertThatThrownBy(() -> orchestrator(config).run(plan(), RunListener.NONE))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "image 'registry.local/Team/Skiff:digits' is not a valid image reference (InvalidImageName)")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(store.listRuns(null, 10)).isEmpty();
    assertThat(client.batch().v1().jobs().inNamespace("skiff").list().getItems()).isEmpty();
    assertThat(client.serviceAccounts().inNamespace("skiff").list().getItems()).isEmpty();
  }

  @Test
  void missingImageIsAnError() throws IOException {
    createNamespace();
    var config =
        new KubernetesOrchestratorConfig(
            "dev", null, null, false, null, null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null);
    assertThatThrownBy(() -> orchestrator(config).run(plan(), RunListener.NONE))
        .hasMessage(
            "the kubernetes orchestrator needs an image holding Skiff and your code: add a container registry to the stack (skiff stack update k8s -c REGISTRY) or set a prebuilt one with 'skiff orchestrator update NAME --image=...'");
  }

  static ResolvedStack k8sStack() {
    var json =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("image", "x");
    var c =
        new ComponentRecord(
            ComponentType.ORCHESTRATOR, "k8s", "kubernetes", json, Instant.EPOCH, null);
    return new ResolvedStack(
        "k8s",
        Map.of(
            ComponentType.ORCHESTRATOR,
            new ResolvedComponent(c, new KubernetesOrchestratorFlavor())));
  }
}
