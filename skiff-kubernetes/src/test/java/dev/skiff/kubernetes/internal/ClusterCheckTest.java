package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.stack.ConfigException;
import dev.skiff.testing.kubernetes.FakeCluster;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The first step of a submission: is the API server there, and the namespace? */
class ClusterCheckTest {
  static FakeCluster cluster;

  @BeforeAll
  static void start() {
    cluster = FakeCluster.start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void anExistingNamespacePasses() {
    assertThatCode(() -> new ClusterCheck(cluster.client(), FakeCluster.DEFAULT_NAMESPACE).check())
        .doesNotThrowAnyException();
  }

  @Test
  void aMissingNamespaceSaysHowToCreateIt() {
    assertThatThrownBy(() -> new ClusterCheck(cluster.client(), "ml").check())
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "namespace 'ml' does not exist: create it (kubectl create namespace ml) or set kubernetesNamespace");
  }

  @Test
  void aUserWhoMayNotReadNamespacesIsLetThrough() {
    var fault = cluster.failNextRequests("GET", "/api/v1/namespaces/ml$", 403, 1);

    assertThatCode(() -> new ClusterCheck(cluster.client(), "ml").check())
        .doesNotThrowAnyException();
    org.assertj.core.api.Assertions.assertThat(fault.hits()).isEqualTo(1);
  }

  @Test
  void anUnreachableApiServerIsOneLineNamingTheFix() {
    try (var client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("https://127.0.0.1:1")
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      assertThatThrownBy(() -> new ClusterCheck(client, "skiff").check())
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(
              "cannot reach the Kubernetes API server at https://127.0.0.1:1/ while checking namespace 'skiff'")
          .hasMessageEndingWith("check kubernetesContext, your network or VPN")
          .satisfies(
              e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }
}
