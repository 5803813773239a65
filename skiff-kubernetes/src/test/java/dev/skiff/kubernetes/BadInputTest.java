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
