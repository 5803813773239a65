package dev.skiff.testing.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OwnerReferencesPermissionEnforcement admission plugin, on: RBAC decides who may set owner
 * references.
 */
class OwnerReferencePermissionsTest {
  private static final String NS = FakeCluster.DEFAULT_NAMESPACE;

  private static FakeCluster cluster;
  private static KubernetesClient admin;
  private static KubernetesClient orchestrator;
  private static Job owner;

  @BeforeAll
  static void start() {
    cluster = FakeCluster.builder().enforceOwnerReferencePermissions(true).start();
    Pods.registerImages(cluster);
    admin = cluster.client();
    admin
        .serviceAccounts()
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("orchestrator")
                .endMetadata()
                .build())
        .create();
    // What Skiff's orchestrator Role grants on pods: no jobs/finalizers, nothing on configmaps.
    admin
        .rbac()
        .roles()
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName("orchestrator")
                .endMetadata()
                .addToRules(
                    new PolicyRuleBuilder()
                        .withApiGroups("")
                        .withResources("pods")
                        .withVerbs("create", "get", "list", "watch", "delete")
                        .build())
                .build())
        .create();
    admin
        .rbac()
        .roleBindings()
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("orchestrator")
                .endMetadata()
                .withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("Role")
                .withName("orchestrator")
                .endRoleRef()
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("orchestrator")
                .withNamespace(NS)
                .endSubject()
                .build())
        .create();
    owner =
        admin
            .batch()
            .v1()
            .jobs()
            .resource(
                new JobBuilder(ControllersTest.job("owner", 0, Pods.noOp("x").getSpec()))
                    .editSpec()
                    .withSuspend(true)
                    .endSpec()
                    .build())
            .create();
    orchestrator = cluster.serviceAccountClient(NS, "orchestrator");
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void blockOwnerDeletionNeedsUpdateOnTheOwnersFinalizers() {
    assertThatThrownBy(() -> orchestrator.pods().resource(ownedPod("blocking-1", true)).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(403);
              assertThat(e.getStatus().getReason()).isEqualTo("Forbidden");
              assertThat(e.getStatus().getMessage())
                  .isEqualTo(
                      "pods \"blocking-1\" is forbidden: cannot set blockOwnerDeletion"
                          + " if an ownerReference refers to a resource you can't set finalizers on: , <nil>");
            });
    assertThat(admin.pods().withName("blocking-1").get()).isNull();

    assertThat(orchestrator.pods().resource(ownedPod("not-blocking", false)).create())
        .as("a plain reference is fine")
        .isNotNull();
    assertThat(admin.pods().resource(ownedPod("admin-blocking", true)).create())
        .as("the admin is not limited")
        .isNotNull();

    admin
        .rbac()
        .roles()
        .withName("orchestrator")
        .edit(
            r ->
                new RoleBuilder(r)
                    .addToRules(
                        new PolicyRuleBuilder()
                            .withApiGroups("batch")
                            .withResources("jobs/finalizers")
                            .withVerbs("update")
                            .build())
                    .build());

    Pod allowed = orchestrator.pods().resource(ownedPod("blocking-2", true)).create();
    assertThat(allowed.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(r -> assertThat(r.getBlockOwnerDeletion()).isTrue());
  }

  @Test
  void settingBlockOwnerDeletionLaterIsCheckedToo() {
    orchestrator.pods().resource(ownedPod("later", false)).create();
    admin
        .rbac()
        .roles()
        .withName("orchestrator")
        .edit(
            r ->
                new RoleBuilder(r)
                    .withRules(
                        r.getRules().stream()
                            .filter(rule -> !rule.getResources().contains("jobs/finalizers"))
                            .toList())
                    .build());

    assertThatThrownBy(
            () ->
                orchestrator
                    .pods()
                    .withName("later")
                    .edit(
                        p ->
                            new PodBuilder(p)
                                .editMetadata()
                                .withOwnerReferences(ownerRef(true))
                                .endMetadata()
                                .build()))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    assertThat(
            admin
                .pods()
                .withName("later")
                .get()
                .getMetadata()
                .getOwnerReferences()
                .get(0)
                .getBlockOwnerDeletion())
        .isFalse();
  }

  @Test
  void anOwnerReferenceNeedsDeleteOnTheObjectItself() {
    assertThatThrownBy(
            () ->
                orchestrator
                    .configMaps()
                    .resource(
                        new ConfigMapBuilder()
                            .withNewMetadata()
                            .withName("owned-map")
                            .addToOwnerReferences(ownerRef(false))
                            .endMetadata()
                            .build())
                    .create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(403);
              assertThat(e.getStatus().getMessage())
                  .isEqualTo(
                      "configmaps \"owned-map\" is forbidden: cannot set an ownerRef on a resource you can't delete: , <nil>");
            });
  }

  private static Pod ownedPod(String name, boolean blocking) {
    return new PodBuilder(Pods.noOp(name))
        .editMetadata()
        .addToOwnerReferences(ownerRef(blocking))
        .endMetadata()
        .build();
  }

  private static OwnerReference ownerRef(boolean blocking) {
    return new OwnerReferenceBuilder()
        .withApiVersion("batch/v1")
        .withKind("Job")
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withBlockOwnerDeletion(blocking)
        .build();
  }
}
