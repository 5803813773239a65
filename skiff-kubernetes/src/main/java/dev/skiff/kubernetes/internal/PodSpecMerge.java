package dev.skiff.kubernetes.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.util.List;

/**
 * Merges the pod settings that reach into Kubernetes' own objects over what Skiff sets: the
 * container's {@code securityContext} field by field over Skiff's restricted defaults, and {@code
 * additionalPodSpec} into the pod spec. The pod settings were checked when they were made (fields
 * Skiff owns refused, the restricted profile kept unless {@code allowPrivileged}), so a merge never
 * replaces what Skiff set for its own sake.
 */
final class PodSpecMerge {
  /** fabric8's model objects carry their JSON shape in their annotations. */
  private static final ObjectMapper JSON = new ObjectMapper();

  private PodSpecMerge() {}

  /** Skiff's container security context: meets the restricted Pod Security profile. */
  static SecurityContext defaultSecurityContext() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  /**
   * {@code given} (null for none) over Skiff's defaults, field by field. Capabilities merge by
   * list: the given {@code add}, and the given {@code drop} or else {@code ALL}. A privileged
   * container, or one adding {@code SYS_ADMIN}, leaves {@code allowPrivilegeEscalation} unset
   * unless given: the API server refuses it false there.
   */
  static SecurityContext containerSecurityContext(SecurityContext given) {
    SecurityContext defaults = defaultSecurityContext();
    if (given == null) {
      return defaults;
    }
    ObjectNode merged = JSON.valueToTree(defaults);
    ObjectNode overlay = JSON.valueToTree(given);
    overlay.remove("capabilities");
    merged.setAll(overlay);
    SecurityContext out = convert(merged, SecurityContext.class);
    Capabilities caps = given.getCapabilities();
    List<String> add = caps == null ? List.of() : caps.getAdd();
    List<String> drop = caps == null || caps.getDrop().isEmpty() ? List.of("ALL") : caps.getDrop();
    out.setCapabilities(new CapabilitiesBuilder().withAdd(add).withDrop(drop).build());
    boolean escalates =
        Boolean.TRUE.equals(given.getPrivileged())
            || add.contains("SYS_ADMIN")
            || add.contains("CAP_SYS_ADMIN");
    if (escalates && given.getAllowPrivilegeEscalation() == null) {
      out.setAllowPrivilegeEscalation(null);
    }
    return out;
  }

  /** {@code spec} with the fields {@code additional} sets (null: {@code spec} as it is). */
  static PodSpec withAdditional(PodSpec spec, PodSpec additional) {
    if (additional == null) {
      return spec;
    }
    ObjectNode merged = JSON.valueToTree(spec);
    merged.setAll((ObjectNode) JSON.valueToTree(additional));
    return convert(merged, PodSpec.class);
  }

  private static <T> T convert(ObjectNode json, Class<T> type) {
    try {
      return JSON.treeToValue(json, type);
    } catch (JsonProcessingException e) {
      // both sides are fabric8 objects: their JSON always reads back
      throw new IllegalStateException("cannot merge pod settings: " + e.getOriginalMessage(), e);
    }
  }
}
