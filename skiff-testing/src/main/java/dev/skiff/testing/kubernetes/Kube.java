package dev.skiff.testing.kubernetes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
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
    return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  static Instant parseTime(String time) {
    return time == null ? null : Instant.parse(time);
  }

  /** A random 5-character suffix, as for {@code generateName}. */
  static String randomSuffix() {
    StringBuilder out = new StringBuilder(5);
    for (int i = 0; i < 5; i++) {
      out.append(SUFFIX_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(SUFFIX_ALPHABET.length())));
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
    return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(null);
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
