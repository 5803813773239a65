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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * API server behaviour the fabric8 mock lacks, applied to requests from clients and pods:
 *
 * <ul>
 *   <li><b>Status subresource</b> for pods, jobs and cronjobs: create drops {@code status}; a PUT
 *       of the main resource keeps the stored status; a PATCH of the main resource cannot change
 *       it. (Only {@code .../status} writes status, as in a real cluster.)
 *   <li><b>JSON merge patch</b> (RFC 7386) replaces arrays: the mock appends to them, so merge
 *       patches are applied here and forwarded as the equivalent JSON patch.
 *   <li><b>generateName</b>: {@code prefix} + 5 random characters (the mock appends a UUID).
 *   <li><b>Service account admission</b> (optional): creating a pod whose service account does not
 *       exist is 403 Forbidden, except for {@code default}.
 *   <li><b>Deletion propagation</b>: {@code Orphan} (also the default for batch/v1 Jobs deleted
 *       without a policy, as on a real API server) strips owner references instead of deleting
 *       dependents; {@code Foreground} keeps the owner (finalizer {@code foregroundDeletion},
 *       {@code deletionTimestamp} set) until the garbage collector deleted its dependents.
 *   <li><b>Validation</b> (422) the mock lacks, for what the controllers here read: a Job with a
 *       {@code podFailurePolicy} needs {@code restartPolicy: Never}; a CronJob's {@code schedule}
 *       must parse and its {@code timeZone} must be an IANA name.
 *   <li><b>OwnerReferencesPermissionEnforcement</b> (optional, see {@code gc_admission.go}): a
 *       service account may change an object's owner references only if it may delete the object,
 *       and set {@code blockOwnerDeletion: true} only if it may {@code update} the owner's {@code
 *       finalizers} subresource; else 403.
 *   <li><b>Eviction API</b>: {@code POST pods/NAME/eviction} marks the pod {@code DisruptionTarget}
 *       (reason {@code EvictionByEvictionAPI}) and deletes it.
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
  private static final Pattern EVICTION =
      Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction$");

  private final Backend backend;
  private final GarbageCollector gc;
  private final boolean requireServiceAccounts;
  private final boolean enforceOwnerReferences;
  private final Rbac rbac;

  ApiSemantics(
      Backend backend,
      GarbageCollector gc,
      boolean requireServiceAccounts,
      boolean enforceOwnerReferences) {
    this.backend = backend;
    this.gc = gc;
    this.requireServiceAccounts = requireServiceAccounts;
    this.enforceOwnerReferences = enforceOwnerReferences;
    this.rbac = new Rbac(backend);
  }

  boolean interested(String method, String path) {
    switch (method) {
      case "POST":
        return COLLECTION.matcher(path).matches() || EVICTION.matcher(path).matches();
      case "PUT":
        Matcher object = OBJECT.matcher(path);
        return object.matches()
            && (enforceOwnerReferences || hasStatusSubresource(object.group(1), object.group(3)));
      case "PATCH":
        return OBJECT.matcher(path).matches() || STATUS.matcher(path).matches();
      case "DELETE":
        return OBJECT.matcher(path).matches() || COLLECTION.matcher(path).matches();
      default:
        return false;
    }
  }

  Decision decide(
      String method, String path, String query, String contentType, byte[] body, String user) {
    switch (method) {
      case "POST":
        Matcher eviction = EVICTION.matcher(path);
        return eviction.matches() ? evict(eviction) : create(COLLECTION.matcher(path), body, user);
      case "PUT":
        return replace(OBJECT.matcher(path), body, user);
      case "PATCH":
        return patch(path, contentType, body, user);
      case "DELETE":
        Matcher collection = COLLECTION.matcher(path);
        return collection.matches()
            ? deleteCollection(collection, query, body, user)
            : delete(OBJECT.matcher(path), query, body);
      default:
        return new Pass(body);
    }
  }

  private Decision create(Matcher path, byte[] body, String user) {
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
    Optional<Reply> invalid = validate(group, plural, object);
    if (invalid.isPresent()) {
      return new Answer(invalid.get());
    }
    if (requireServiceAccounts && "api/v1".equals(group) && "pods".equals(plural)) {
      JsonNode spec = object.path("spec");
      String account =
          spec.path("serviceAccountName").asText(spec.path("serviceAccount").asText(""));
      if (!account.isEmpty()
          && !"default".equals(account)
          && backend
              .get("/api/v1/namespaces/" + namespace + "/serviceaccounts/" + account)
              .isEmpty()) {
        String name = object.path("metadata").path("name").asText("");
        return new Answer(
            Reply.status(
                403,
                "Forbidden",
                "pods \""
                    + name
                    + "\" is forbidden: error looking up service account "
                    + namespace
                    + "/"
                    + account
                    + ": serviceaccount \""
                    + account
                    + "\" not found",
                Map.of("name", name, "kind", "pods")));
      }
    }
    Optional<Reply> forbidden = admitOwnerReferences(user, group, namespace, plural, object, null);
    if (forbidden.isPresent()) {
      return new Answer(forbidden.get());
    }
    return new Pass(bytes(object));
  }

  private Decision replace(Matcher path, byte[] body, String user) {
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
    if ("cronjobs".equals(path.group(3))) {
      Optional<Reply> invalid = validate(path.group(1), path.group(3), object);
      if (invalid.isPresent()) {
        return new Answer(invalid.get());
      }
    }
    Optional<Reply> forbidden =
        admitOwnerReferences(
            user, path.group(1), path.group(2), path.group(3), object, current.orElse(null));
    if (forbidden.isPresent()) {
      return new Answer(forbidden.get());
    }
    if (!hasStatusSubresource(path.group(1), path.group(3))) {
      return new Pass(bytes(object));
    }
    JsonNode status = current.map(c -> c.get("status")).orElse(null);
    if (status == null) {
      object.remove("status");
    } else {
      object.set("status", status);
    }
    return new Pass(bytes(object));
  }

  private Decision patch(String path, String contentType, byte[] body, String user) {
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
    boolean check =
        main
            && ("cronjobs".equals(object.group(3))
                || (enforceOwnerReferences && Rbac.limited(user)));
    if (check) {
      Optional<ObjectNode> current = backend.get(pathOf(object));
      Optional<ObjectNode> next = current.flatMap(c -> applyPatch(c, type, patch));
      if (next.isPresent()) {
        Optional<Reply> refused =
            "cronjobs".equals(object.group(3))
                ? validate(object.group(1), object.group(3), next.get())
                : Optional.empty();
        if (refused.isEmpty()) {
          refused =
              admitOwnerReferences(
                  user,
                  object.group(1),
                  object.group(2),
                  object.group(3),
                  next.get(),
                  current.get());
        }
        if (refused.isPresent()) {
          return new Answer(refused.get());
        }
      }
    }
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

  /** The object a patch would produce (strategic merge patches approximated as merge patches). */
  private static Optional<ObjectNode> applyPatch(ObjectNode current, String type, JsonNode patch) {
    try {
      JsonNode next =
          type.contains("json-patch")
              ? io.fabric8.zjsonpatch.JsonPatch.apply(patch, current)
              : mergePatch(current, patch);
      return next instanceof ObjectNode node ? Optional.of(node) : Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty(); // the mock answers the bad patch
    }
  }

  // ---- validation --------------------------------------------------------------------------

  /** The 422 the API server would answer for fields the fake controllers rely on. */
  private static Optional<Reply> validate(String group, String plural, ObjectNode object) {
    List<Kube.FieldError> errors = new ArrayList<>();
    String kind;
    if ("apis/batch/v1".equals(group) && "jobs".equals(plural)) {
      kind = "Job";
      validateJobSpec(object.path("spec"), "spec", errors);
    } else if ("apis/batch/v1".equals(group) && "cronjobs".equals(plural)) {
      kind = "CronJob";
      JsonNode spec = object.path("spec");
      JsonNode timeZone = spec.get("timeZone");
      String schedule = spec.path("schedule").asText("");
      try {
        CronSchedule.parse(schedule, java.time.ZoneOffset.UTC);
      } catch (IllegalArgumentException e) {
        errors.add(new Kube.FieldError("spec.schedule", schedule, e.getMessage()));
      }
      if (schedule.contains("TZ")) {
        // Only a CronJob that already had it may keep TZ= in its schedule; new ones use timeZone.
        errors.add(
            new Kube.FieldError(
                "spec.schedule",
                schedule,
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
      }
      if (timeZone != null && !timeZone.isNull()) {
        String zone = timeZone.asText();
        if (zone.isEmpty()) {
          errors.add(
              new Kube.FieldError(
                  "spec.timeZone", zone, "timeZone must be nil or non-empty string"));
        } else if (zone.equalsIgnoreCase("Local")) {
          errors.add(
              new Kube.FieldError(
                  "spec.timeZone",
                  zone,
                  "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
        } else if (CronSchedule.zone(zone).isEmpty()) {
          errors.add(new Kube.FieldError("spec.timeZone", zone, "unknown time zone " + zone));
        }
      }
      validateJobSpec(spec.path("jobTemplate").path("spec"), "spec.jobTemplate.spec", errors);
    } else {
      return Optional.empty();
    }
    if (errors.isEmpty()) {
      return Optional.empty();
    }
    String name = object.path("metadata").path("name").asText("");
    return Optional.of(
        new Reply(
            422, "application/json", Kube.invalidBody(kind, "batch", name, errors), Map.of()));
  }

  private static void validateJobSpec(JsonNode spec, String field, List<Kube.FieldError> errors) {
    JsonNode policy = spec.get("podFailurePolicy");
    String restartPolicy = spec.path("template").path("spec").path("restartPolicy").asText("");
    // The Job controller decides on a failed pod, which restartPolicy OnFailure would hide.
    if (policy != null && !policy.isNull() && !"Never".equals(restartPolicy)) {
      errors.add(
          new Kube.FieldError(
              field + ".template.spec.restartPolicy",
              restartPolicy,
              "only \"Never\" is supported when podFailurePolicy is specified"));
    }
  }

  // ---- OwnerReferencesPermissionEnforcement ------------------------------------------------

  /**
   * gc_admission.go: changing owner references needs {@code delete} on the object itself; a
   * reference newly blocking its owner's deletion needs {@code update} on the owner's {@code
   * finalizers} subresource (the owner's deletion would wait on this object).
   */
  private Optional<Reply> admitOwnerReferences(
      String user,
      String group,
      String namespace,
      String plural,
      ObjectNode object,
      ObjectNode old) {
    if (!enforceOwnerReferences || !Rbac.limited(user)) {
      return Optional.empty();
    }
    JsonNode refs = ownerReferences(object);
    JsonNode oldRefs = ownerReferences(old);
    if (refs.equals(oldRefs)) {
      return Optional.empty();
    }
    String name = object.path("metadata").path("name").asText("");
    String apiGroup = group.startsWith("apis/") ? group.split("/")[1] : "";
    if (!rbac.allowed(user, new Rbac.Attributes("delete", namespace, apiGroup, plural, "", name))) {
      return Optional.of(
          forbidden(
              plural,
              apiGroup,
              name,
              "cannot set an ownerRef on a resource you can't delete: , <nil>"));
    }
    for (JsonNode ref : refs) {
      if (!ref.path("blockOwnerDeletion").asBoolean(false)) {
        continue;
      }
      boolean wasBlocking = false;
      for (JsonNode before : oldRefs) {
        if (before.path("uid").asText().equals(ref.path("uid").asText())) {
          wasBlocking = before.path("blockOwnerDeletion").asBoolean(false);
        }
      }
      if (wasBlocking) {
        continue;
      }
      String apiVersion = ref.path("apiVersion").asText("");
      String ownerGroup =
          apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
      String ownerResource =
          io.fabric8.kubernetes.api.Pluralize.toPlural(
              ref.path("kind").asText("").toLowerCase(Locale.ROOT));
      if (!rbac.allowed(
          user,
          new Rbac.Attributes(
              "update",
              namespace,
              ownerGroup,
              ownerResource,
              "finalizers",
              ref.path("name").asText("")))) {
        return Optional.of(
            forbidden(
                plural,
                apiGroup,
                name,
                "cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>"));
      }
    }
    return Optional.empty();
  }

  private static JsonNode ownerReferences(ObjectNode object) {
    JsonNode refs = object == null ? null : object.path("metadata").get("ownerReferences");
    return refs == null || !refs.isArray() ? Backend.JSON.createArrayNode() : refs;
  }

  private static Reply forbidden(String plural, String apiGroup, String name, String why) {
    String resource = apiGroup.isEmpty() ? plural : plural + "." + apiGroup;
    Map<String, String> details = new java.util.LinkedHashMap<>();
    details.put("name", name);
    if (!apiGroup.isEmpty()) {
      details.put("group", apiGroup);
    }
    details.put("kind", plural);
    return Reply.status(
        403, "Forbidden", resource + " \"" + name + "\" is forbidden: " + why, details);
  }

  // ---- eviction ----------------------------------------------------------------------------

  /**
   * The eviction subresource (no PodDisruptionBudgets here): the API server adds the {@code
   * DisruptionTarget} condition before deleting, so controllers (a Job's podFailurePolicy) can tell
   * a disruption from a failure.
   */
  private Decision evict(Matcher path) {
    String podPath = "/api/v1/namespaces/" + path.group(1) + "/pods/" + path.group(2);
    Optional<ObjectNode> pod = backend.get(podPath);
    if (pod.isEmpty()) {
      return new Answer(
          Reply.status(
              404,
              "NotFound",
              "pods \"" + path.group(2) + "\" not found",
              Map.of("name", path.group(2), "kind", "pods")));
    }
    String phase = pod.get().path("status").path("phase").asText("");
    if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) {
      ObjectNode condition =
          Backend.JSON
              .createObjectNode()
              .put("type", "DisruptionTarget")
              .put("status", "True")
              .put("reason", "EvictionByEvictionAPI")
              .put("message", "Eviction API: evicting")
              .put("lastTransitionTime", Kube.now());
      ArrayNode conditions = Backend.JSON.createArrayNode();
      pod.get()
          .path("status")
          .path("conditions")
          .forEach(
              c -> {
                if (!"DisruptionTarget".equals(c.path("type").asText())) {
                  conditions.add(c);
                }
              });
      conditions.add(condition);
      boolean hasStatus = pod.get().has("status");
      ArrayNode operations =
          hasStatus
              ? Backend.setOrRemove(
                  "/status/conditions", conditions, pod.get().path("status").has("conditions"))
              : Backend.setOrRemove(
                  "/status", Backend.JSON.createObjectNode().set("conditions", conditions), false);
      backend.jsonPatch(podPath, operations);
    }
    backend.delete(podPath);
    gc.poke();
    ObjectNode status = Backend.JSON.createObjectNode();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Success");
    status.put("code", 201);
    return new Answer(new Reply(201, "application/json", bytes(status), Map.of()));
  }

  /** RFC 7386: objects merge recursively, null removes, anything else (arrays too) replaces. */
  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result =
        target != null && target.isObject()
            ? ((ObjectNode) target).deepCopy()
            : Backend.JSON.createObjectNode();
    patch
        .fields()
        .forEachRemaining(
            field -> {
              if (field.getValue().isNull()) {
                result.remove(field.getKey());
              } else {
                result.set(
                    field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
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
    propagate(pathOf(path), policy);
    return new Pass(body);
  }

  /**
   * {@code deletecollection}: deletes every object of the collection that the request's label and
   * field selectors match (the mock ignores set-based labels and all fields, so it would delete
   * more), each as a single delete with the request's propagation policy, and answers the list of
   * what was deleted, as the API server does. A service account needs the {@code deletecollection}
   * verb; an invalid selector is a 400.
   */
  private Decision deleteCollection(Matcher path, String query, byte[] body, String user) {
    String group = path.group(1);
    String namespace = path.group(2);
    String plural = path.group(3);
    String apiGroup = group.startsWith("apis/") ? group.split("/")[1] : "";
    if (Rbac.limited(user)
        && !rbac.allowed(
            user, new Rbac.Attributes("deletecollection", namespace, apiGroup, plural, "", ""))) {
      return new Answer(
          Reply.status(
              403,
              "Forbidden",
              plural
                  + " is forbidden: User \""
                  + user
                  + "\" cannot deletecollection resource \""
                  + plural
                  + "\" in API group \""
                  + apiGroup
                  + "\" in the namespace \""
                  + namespace
                  + "\"",
              Map.of("kind", plural)));
    }
    Map<String, String> params = ApiFront.parseQuery(query);
    Selector selector;
    try {
      selector = Selector.parse(plural, params.get("labelSelector"), params.get("fieldSelector"));
    } catch (IllegalArgumentException e) {
      return new Answer(Reply.status(400, "BadRequest", e.getMessage(), Map.of()));
    }
    String policy = propagationPolicy(query, body);
    if (policy == null) {
      policy = "apis/batch/v1".equals(group) && "jobs".equals(plural) ? "Orphan" : "Background";
    }
    String collectionPath = "/" + group + "/namespaces/" + namespace + "/" + plural;
    ObjectNode list = backend.get(collectionPath).orElseGet(Backend.JSON::createObjectNode);
    ArrayNode deleted = Backend.JSON.createArrayNode();
    for (JsonNode item : list.path("items")) {
      if (selector.test(item)) {
        String objectPath = collectionPath + "/" + item.path("metadata").path("name").asText();
        propagate(objectPath, policy);
        if (backend.delete(objectPath) < 300) {
          deleted.add(item);
        }
      }
    }
    gc.poke();
    ObjectNode answer = Backend.JSON.createObjectNode();
    answer.put("kind", list.path("kind").asText("List"));
    answer.put("apiVersion", list.path("apiVersion").asText("v1"));
    answer.putObject("metadata");
    answer.set("items", deleted);
    return new Answer(new Reply(200, "application/json", bytes(answer), Map.of()));
  }

  /**
   * Deletes the object at {@code path} with {@code policy}, as a client request would (for
   * controllers).
   */
  void delete(String path, String policy) {
    propagate(path, policy);
    backend.delete(path);
    gc.poke();
  }

  private void propagate(String path, String policy) {
    if ("Orphan".equals(policy)) {
      backend.get(path).ifPresent(o -> gc.orphan(o.path("metadata").path("uid").asText()));
    } else if ("Foreground".equals(policy)) {
      Optional<ObjectNode> current = backend.get(path);
      if (current.isPresent()
          && current.get().path("metadata").path("deletionTimestamp").isMissingNode()) {
        ArrayNode finalizers = Backend.JSON.createArrayNode();
        boolean present = false;
        JsonNode existing = current.get().path("metadata").path("finalizers");
        for (JsonNode finalizer : existing) {
          finalizers.add(finalizer);
          present |= FOREGROUND_FINALIZER.equals(finalizer.asText());
        }
        if (!present) {
          finalizers.add(FOREGROUND_FINALIZER);
          backend.jsonPatch(
              path,
              Backend.setOrRemove("/metadata/finalizers", finalizers, !existing.isMissingNode()));
        }
        gc.poke();
      }
    }
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
    return "/"
        + object.group(1)
        + "/namespaces/"
        + object.group(2)
        + "/"
        + object.group(3)
        + "/"
        + object.group(4);
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
