package dev.skiff.testing.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.testing.kubernetes.ApiFront.Answer;
import dev.skiff.testing.kubernetes.ApiFront.Decision;
import dev.skiff.testing.kubernetes.ApiFront.Pass;
import dev.skiff.testing.kubernetes.ApiFront.Reply;
import io.fabric8.zjsonpatch.JsonDiff;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * API server behaviour the fabric8 mock lacks, applied to requests from clients and pods:
 *
 * <ul>
 *   <li><b>Status subresource</b> for pods, jobs and cronjobs: create drops {@code status}; a
 *       PUT of the main resource keeps the stored status; a PATCH of the main resource cannot
 *       change it. (Only {@code .../status} writes status, as in a real cluster.)
 *   <li><b>JSON merge patch</b> (RFC 7386) replaces arrays: the mock appends to them, so merge
 *       patches are applied here and forwarded as the equivalent JSON patch.
 *   <li><b>generateName</b>: {@code prefix} + 5 random characters (the mock appends a UUID).
 *   <li><b>Service account admission</b> (optional): creating a pod whose service account does
 *       not exist is 403 Forbidden, except for {@code default}.
 *   <li><b>Deletion propagation</b>: {@code Orphan} (also the default for batch/v1 Jobs deleted
 *       without a policy, as on a real API server) strips owner references instead of deleting
 *       dependents; {@code Foreground} keeps the owner (finalizer {@code foregroundDeletion},
 *       {@code deletionTimestamp} set) until the garbage collector deleted its dependents.
 * </ul>
 */
final class ApiSemantics {
  static final String FOREGROUND_FINALIZER = "foregroundDeletion";

  private static final Pattern COLLECTION =
      Pattern.compile("^/(api/v1|apis/[^/]+/[^/]+)/namespaces/([^/]+)/([^/]+)$");
  private static final Pattern OBJECT =
      Pattern.compile("^/(api/v1|apis/[^/]+/[^/]+)/namespaces/([^/]+)/([^/]+)/([^/]+)$");
  private static final Pattern STATUS =
      Pattern.compile("^/(api/v1|apis/[^/]+/[^/]+)/namespaces/([^/]+)/([^/]+)/([^/]+)/status$");

  private final Backend backend;
  private final GarbageCollector gc;
  private final boolean requireServiceAccounts;

  ApiSemantics(Backend backend, GarbageCollector gc, boolean requireServiceAccounts) {
    this.backend = backend;
    this.gc = gc;
    this.requireServiceAccounts = requireServiceAccounts;
  }

  boolean interested(String method, String path) {
    switch (method) {
      case "POST":
        return COLLECTION.matcher(path).matches();
      case "PUT":
        Matcher object = OBJECT.matcher(path);
        return object.matches() && hasStatusSubresource(object.group(1), object.group(3));
      case "PATCH":
        return OBJECT.matcher(path).matches() || STATUS.matcher(path).matches();
      case "DELETE":
        return OBJECT.matcher(path).matches();
      default:
        return false;
    }
  }

  Decision decide(String method, String path, String query, String contentType, byte[] body) {
    switch (method) {
      case "POST":
        return create(COLLECTION.matcher(path), body);
      case "PUT":
        return replace(OBJECT.matcher(path), body);
      case "PATCH":
        return patch(path, contentType, body);
      case "DELETE":
        return delete(OBJECT.matcher(path), query, body);
      default:
        return new Pass(body);
    }
  }

  private Decision create(Matcher path, byte[] body) {
    path.matches();
    Optional<ObjectNode> parsed = parse(body);
    if (parsed.isEmpty()) {
      return new Pass(body);
    }
    ObjectNode object = parsed.get();
    String group = path.group(1);
    String namespace = path.group(2);
    String plural = path.group(3);
    JsonNode metadata = object.path("metadata");
    if (metadata instanceof ObjectNode meta
        && meta.path("name").asText("").isEmpty()
        && !meta.path("generateName").asText("").isEmpty()) {
      meta.put("name", Kube.generateName(meta.path("generateName").asText()));
    }
    if (hasStatusSubresource(group, plural)) {
      object.remove("status");
    }
    if (requireServiceAccounts && "api/v1".equals(group) && "pods".equals(plural)) {
      JsonNode spec = object.path("spec");
      String account = spec.path("serviceAccountName").asText(spec.path("serviceAccount").asText(""));
      if (!account.isEmpty() && !"default".equals(account)
          && backend.get("/api/v1/namespaces/" + namespace + "/serviceaccounts/" + account).isEmpty()) {
        String name = object.path("metadata").path("name").asText("");
        return new Answer(Reply.status(403, "Forbidden",
            "pods \"" + name + "\" is forbidden: error looking up service account " + namespace + "/"
                + account + ": serviceaccount \"" + account + "\" not found",
            Map.of("name", name, "kind", "pods")));
      }
    }
    return new Pass(bytes(object));
  }

  private Decision replace(Matcher path, byte[] body) {
    path.matches();
    if ("status".equals(path.group(4))) {
      return new Pass(body);
    }
    Optional<ObjectNode> parsed = parse(body);
    if (parsed.isEmpty()) {
      return new Pass(body);
    }
    ObjectNode object = parsed.get();
    Optional<ObjectNode> current = backend.get(pathOf(path));
    JsonNode status = current.map(c -> c.get("status")).orElse(null);
    if (status == null) {
      object.remove("status");
    } else {
      object.set("status", status);
    }
    return new Pass(bytes(object));
  }

  private Decision patch(String path, String contentType, byte[] body) {
    Matcher object = OBJECT.matcher(path);
    boolean main = object.matches();
    if (!main) {
      object = STATUS.matcher(path);
      object.matches();
    }
    boolean protectStatus = main && hasStatusSubresource(object.group(1), object.group(3));
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    Optional<JsonNode> parsed = parseAny(body);
    if (parsed.isEmpty()) {
      return new Pass(body);
    }
    JsonNode patch = parsed.get();
    if (type.contains("json-patch") && patch instanceof ArrayNode operations) {
      if (!protectStatus) {
        return new Pass(body);
      }
      ArrayNode kept = Backend.JSON.createArrayNode();
      for (JsonNode operation : operations) {
        String target = operation.path("path").asText("");
        if (!(target.equals("/status") || target.startsWith("/status/"))) {
          kept.add(operation);
        }
      }
      return new Pass(bytes(kept));
    }
    if (type.contains("merge-patch") && patch instanceof ObjectNode changes) {
      if (protectStatus) {
        changes.remove("status");
      }
      Optional<ObjectNode> current = backend.get(pathOf(object));
      if (current.isEmpty()) {
        return new Pass(bytes(changes)); // the mock answers 404
      }
      JsonNode merged = mergePatch(current.get(), changes);
      return new Pass(bytes(JsonDiff.asJson(current.get(), merged)), "application/json-patch+json");
    }
    return new Pass(body);
  }

  /** RFC 7386: objects merge recursively, null removes, anything else (arrays too) replaces. */
  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : Backend.JSON.createObjectNode();
    patch.fields().forEachRemaining(field -> {
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
      }
    });
    return result;
  }

  private Decision delete(Matcher path, String query, byte[] body) {
    path.matches();
    if (path.group(4).isEmpty()) {
      return new Pass(body);
    }
    String policy = propagationPolicy(query, body);
    if (policy == null) {
      boolean job = "apis/batch/v1".equals(path.group(1)) && "jobs".equals(path.group(3));
      policy = job ? "Orphan" : "Background";
    }
    if ("Orphan".equals(policy)) {
      backend.get(pathOf(path)).ifPresent(o -> gc.orphan(o.path("metadata").path("uid").asText()));
    } else if ("Foreground".equals(policy)) {
      Optional<ObjectNode> current = backend.get(pathOf(path));
      if (current.isPresent() && current.get().path("metadata").path("deletionTimestamp").isMissingNode()) {
        ArrayNode finalizers = Backend.JSON.createArrayNode();
        boolean present = false;
        JsonNode existing = current.get().path("metadata").path("finalizers");
        for (JsonNode finalizer : existing) {
          finalizers.add(finalizer);
          present |= FOREGROUND_FINALIZER.equals(finalizer.asText());
        }
        if (!present) {
          finalizers.add(FOREGROUND_FINALIZER);
          backend.jsonPatch(pathOf(path), Backend.setOrRemove("/metadata/finalizers", finalizers, !existing.isMissingNode()));
        }
        gc.poke();
      }
    }
    return new Pass(body);
  }

  private static String propagationPolicy(String query, byte[] body) {
    Map<String, String> params = ApiFront.parseQuery(query);
    if (params.containsKey("propagationPolicy")) {
      return params.get("propagationPolicy");
    }
    if ("true".equals(params.get("orphanDependents"))) {
      return "Orphan";
    }
    Optional<ObjectNode> options = parse(body);
    if (options.isPresent()) {
      JsonNode policy = options.get().get("propagationPolicy");
      if (policy != null && policy.isTextual()) {
        return policy.asText();
      }
      JsonNode orphan = options.get().get("orphanDependents");
      if (orphan != null && orphan.isBoolean()) {
        return orphan.asBoolean() ? "Orphan" : "Background";
      }
    }
    return null;
  }

  private static boolean hasStatusSubresource(String group, String plural) {
    return ("api/v1".equals(group) && "pods".equals(plural))
        || ("apis/batch/v1".equals(group) && ("jobs".equals(plural) || "cronjobs".equals(plural)));
  }

  private static String pathOf(Matcher object) {
    return "/" + object.group(1) + "/namespaces/" + object.group(2) + "/" + object.group(3) + "/" + object.group(4);
  }

  private static Optional<ObjectNode> parse(byte[] body) {
    return parseAny(body).filter(ObjectNode.class::isInstance).map(ObjectNode.class::cast);
  }

  private static Optional<JsonNode> parseAny(byte[] body) {
    if (body == null || body.length == 0) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(Backend.JSON.readTree(body));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static byte[] bytes(JsonNode node) {
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }
}
