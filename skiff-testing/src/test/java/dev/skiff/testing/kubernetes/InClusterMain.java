package dev.skiff.testing.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * Runs inside a fake pod: configures fabric8 exactly as a real in-cluster program would (no
 * kubeconfig, no explicit config), lists the pods of its namespace and creates a ConfigMap.
 */
public final class InClusterMain {
  private InClusterMain() {}

  public static void main(String[] args) {
    String self = System.getenv("HOSTNAME");
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      System.out.println("master=" + client.getMasterUrl());
      System.out.println("namespace=" + client.getNamespace());
      for (Pod pod : client.pods().list().getItems()) {
        System.out.println(
            "pod=" + pod.getMetadata().getName() + " phase=" + pod.getStatus().getPhase());
      }
      client
          .configMaps()
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("from-" + self)
                  .endMetadata()
                  .addToData("created-by", self)
                  .build())
          .create();
      System.out.println("created configmap from-" + self);
    }
  }
}
