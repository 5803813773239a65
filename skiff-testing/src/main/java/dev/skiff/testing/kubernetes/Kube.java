package dev.skiff.testing.kubernetes;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Small Kubernetes conventions shared by the fake components. */
final class Kube {
  /** Characters Kubernetes uses for generated name suffixes (no vowels, no confusables). */
  private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private Kube() {}

  /** An RFC 3339 timestamp with second precision, as the API server writes them. */
  static String now() {
    return time(Instant.now());
  }

  static String time(Instant instant) {
    return instant == null
        ? null
        : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  static Instant parseTime(String time) {
    return time == null ? null : Instant.parse(time);
  }

  /** A random 5-character suffix, as for {@code generateName}. */
  static String randomSuffix() {
    StringBuilder out = new StringBuilder(5);
    for (int i = 0; i < 5; i++) {
      out.append(
          SUFFIX_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(SUFFIX_ALPHABET.length())));
    }
    return out.toString();
  }

  /** {@code base} cut so that base + 5 suffix characters fit in 63. */
  static String generateName(String base) {
    String prefix = base.length() > 58 ? base.substring(0, 58) : base;
    return prefix + randomSuffix();
  }

  static OwnerReference controllerRef(HasMetadata owner) {
    OwnerReference ref = new OwnerReference();
    ref.setApiVersion(owner.getApiVersion());
    ref.setKind(owner.getKind());
    ref.setName(owner.getMetadata().getName());
    ref.setUid(owner.getMetadata().getUid());
    ref.setController(true);
    ref.setBlockOwnerDeletion(true);
    return ref;
  }

  static boolean ownedBy(HasMetadata object, String ownerUid) {
    List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
    return refs != null && refs.stream().anyMatch(r -> ownerUid.equals(r.getUid()));
  }

  static OwnerReference controllerOf(HasMetadata object) {
    List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
    if (refs == null) {
      return null;
    }
    return refs.stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .findFirst()
        .orElse(null);
  }

  /**
   * Whether {@code labels} match {@code selector} (matchLabels and matchExpressions, ANDed). A null
   * selector matches nothing, an empty one everything, as in {@code
   * metav1.LabelSelectorAsSelector}.
   */
  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> have = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> wanted : selector.getMatchLabels().entrySet()) {
        if (!wanted.getValue().equals(have.get(wanted.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
        String value = have.get(requirement.getKey());
        List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
        boolean ok =
            switch (requirement.getOperator()) {
              case "In" -> value != null && values.contains(value);
              case "NotIn" -> value == null || !values.contains(value);
              case "Exists" -> value != null;
              case "DoesNotExist" -> value == null;
              default -> false;
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * One field error of a 422 answer: {@code field} (e.g. {@code spec.timeZone}), bad value, detail.
   */
  record FieldError(String field, String value, String detail) {
    String text() {
      return field + ": Invalid value: \"" + value + "\": " + detail;
    }
  }

  /**
   * The 422 {@code Status} the API server answers when validation fails: message {@code Kind.group
   * "name" is invalid: field: Invalid value: "v": detail}, causes per field.
   */
  static byte[] invalidBody(String kind, String group, String name, List<FieldError> errors) {
    String qualified = group == null || group.isEmpty() ? kind : kind + "." + group;
    StringBuilder message = new StringBuilder(qualified + " \"" + name + "\" is invalid: ");
    if (errors.size() == 1) {
      message.append(errors.get(0).text());
    } else {
      message.append("[");
      for (int i = 0; i < errors.size(); i++) {
        message.append(i == 0 ? "" : ", ").append(errors.get(i).text());
      }
      message.append("]");
    }
    ObjectNode status = Backend.JSON.createObjectNode();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", message.toString());
    status.put("reason", "Invalid");
    ObjectNode details = status.putObject("details");
    details.put("name", name);
    if (group != null && !group.isEmpty()) {
      details.put("group", group);
    }
    details.put("kind", kind);
    ArrayNode causes = details.putArray("causes");
    for (FieldError error : errors) {
      causes
          .addObject()
          .put("reason", "FieldValueInvalid")
          .put("message", "Invalid value: \"" + error.value() + "\": " + error.detail())
          .put("field", error.field());
    }
    status.put("code", 422);
    return status.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A Kubernetes {@code Status} failure body. */
  static byte[] statusBody(int code, String reason, String message, Map<String, String> details) {
    ObjectNode status = Backend.JSON.createObjectNode();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", message);
    status.put("reason", reason);
    if (details != null && !details.isEmpty()) {
      ObjectNode node = status.putObject("details");
      details.forEach(node::put);
    }
    status.put("code", code);
    return status.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The Status reason the API server uses for an HTTP code. */
  static String reasonFor(int code) {
    return switch (code) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 405 -> "MethodNotAllowed";
      case 409 -> "Conflict";
      case 410 -> "Expired";
      case 415 -> "UnsupportedMediaType";
      case 422 -> "Invalid";
      case 429 -> "TooManyRequests";
      case 500 -> "InternalError";
      case 503 -> "ServiceUnavailable";
      case 504 -> "Timeout";
      default -> code >= 500 ? "InternalError" : "BadRequest";
    };
  }
}
