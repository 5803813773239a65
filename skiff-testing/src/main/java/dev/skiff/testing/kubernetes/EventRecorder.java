package dev.skiff.testing.kubernetes;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.ThreadLocalRandom;

/** Writes core/v1 Events the way the kubelet, scheduler and controllers do. */
final class EventRecorder {
  static final String NORMAL = "Normal";
  static final String WARNING = "Warning";

  private final KubernetesClient client;

  EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  void record(
      HasMetadata involved,
      String fieldPath,
      String type,
      String reason,
      String message,
      String component) {
    String namespace = involved.getMetadata().getNamespace();
    String now = Kube.now();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                involved.getMetadata().getName()
                    + "."
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 4))
            .withNamespace(namespace)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(involved.getApiVersion())
            .withKind(involved.getKind())
            .withName(involved.getMetadata().getName())
            .withNamespace(namespace)
            .withUid(involved.getMetadata().getUid())
            .withFieldPath(fieldPath)
            .endInvolvedObject()
            .withType(type)
            .withReason(reason)
            .withMessage(message)
            .withNewSource()
            .withComponent(component)
            .withHost("kubelet".equals(component) ? FakeKubelet.NODE_NAME : null)
            .endSource()
            .withReportingComponent(component)
            .withReportingInstance("kubelet".equals(component) ? FakeKubelet.NODE_NAME : component)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .build();
    try {
      client.v1().events().inNamespace(namespace).resource(event).create();
    } catch (RuntimeException e) {
      // Events are best effort, as in a real cluster (and the cluster may be closing).
    }
  }
}
