package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.stack.ConfigException;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.testing.kubernetes.FakeCluster;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Skiff's service account and least-privilege Role, or nothing when the run names an account. */
class RbacStepTest {
  static FakeCluster cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = FakeCluster.start();
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static String namespace(String name) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  static Manifests manifests(String ns) {
    return new Manifests(ns, List.of(), SubmissionFixtures.IMAGE);
  }

  @Test
  void createsTheServiceAccountItsRoleAndBindingAndAgainWithoutError() {
    String ns = namespace("rbac-created");

    new RbacStep(client, ns, null).ensure(manifests(ns));
    new RbacStep(client, ns, null).ensure(manifests(ns)); // the next run finds them: updates

    assertThat(
            client
                .serviceAccounts()
                .inNamespace(ns)
                .withName(KubernetesOrchestratorConfig.DEFAULT_SERVICE_ACCOUNT)
                .get())
        .isNotNull();
    assertThat(client.rbac().roles().inNamespace(ns).withName(Manifests.ROLE_NAME).get().getRules())
        .isEqualTo(Manifests.roleRules());
    var binding = client.rbac().roleBindings().inNamespace(ns).withName(Manifests.ROLE_NAME).get();
    assertThat(binding.getRoleRef().getName()).isEqualTo(Manifests.ROLE_NAME);
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s ->
                assertThat(s.getName())
                    .isEqualTo(KubernetesOrchestratorConfig.DEFAULT_SERVICE_ACCOUNT));
  }

  @Test
  void aNamedServiceAccountCreatesNothing() {
    String ns = namespace("rbac-named");
    cluster.resetApiRequests();

    new RbacStep(client, ns, "ml-runner").ensure(manifests(ns));

    assertThat(cluster.apiRequests()).isEmpty();
    assertThat(client.serviceAccounts().inNamespace(ns).list().getItems())
        .noneMatch(
            a ->
                a.getMetadata()
                    .getName()
                    .equals(KubernetesOrchestratorConfig.DEFAULT_SERVICE_ACCOUNT));
  }

  @Test
  void aForbiddenServiceAccountTellsToSetServiceAccountName() {
    String ns = namespace("rbac-forbidden");
    cluster.failNextRequests("POST", "/api/v1/namespaces/" + ns + "/serviceaccounts$", 403, 1);

    assertThatThrownBy(() -> new RbacStep(client, ns, null).ensure(manifests(ns)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "not allowed to create the service account for Skiff in namespace '"
                + ns
                + "' (403): ask an admin for a service account that may manage pods there and set serviceAccountName");
  }

  @Test
  void aForbiddenRoleNamesTheRoleAndBinding() {
    String ns = namespace("rbac-role-forbidden");
    cluster.failNextRequests(
        "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns + "/roles$", 403, 1);

    assertThatThrownBy(() -> new RbacStep(client, ns, null).ensure(manifests(ns)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "not allowed to create the Role and RoleBinding for Skiff in namespace '"
                + ns
                + "' (403)");
  }
}
