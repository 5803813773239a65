package dev.skiff.testing.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import java.util.List;

/** Small manifests for the tests. */
final class Pods {
  static final String SCRIPT_IMAGE = "registry.local/skiff:script";
  static final String NOOP_IMAGE = "registry.local/skiff:noop";

  private Pods() {}

  static void registerImages(FakeCluster cluster) {
    cluster.images().registerJavaMain(SCRIPT_IMAGE, ScriptMain.class);
    cluster.images().registerNoOp(NOOP_IMAGE);
  }

  /** A pod running ScriptMain with {@code args}, restartPolicy Never. */
  static Pod script(String name, String... args) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("app", "fake-cluster-test")
        .endMetadata()
        .withSpec(scriptSpec(args))
        .build();
  }

  static PodSpec scriptSpec(String... args) {
    return new PodSpecBuilder()
        .withRestartPolicy("Never")
        .withContainers(
            new ContainerBuilder()
                .withName("main")
                .withImage(SCRIPT_IMAGE)
                .withArgs(List.of(args))
                .build())
        .build();
  }

  static Pod noOp(String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("main")
        .withImage(NOOP_IMAGE)
        .endContainer()
        .endSpec()
        .build();
  }
}
