package dev.skiff.testing.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The RBAC authorizer, for the checks the fake API server makes (not every request is authorized:
 * only admission plugins ask). Roles and ClusterRoles reach a user through RoleBindings in the
 * namespace and ClusterRoleBindings; subjects are ServiceAccounts, Users and Groups ({@code
 * system:serviceaccounts}, {@code system:serviceaccounts:NS}, {@code system:authenticated}). Rules
 * match apiGroups, resources ({@code res}, {@code res/sub}, {@code *}, {@code * /sub}), verbs and
 * resourceNames with their wildcards. The test cluster's admin (and a caller without a known token)
 * is not limited.
 */
final class Rbac {
  private static final String SA_PREFIX = "system:serviceaccount:";

  /** What a request wants to do. */
  record Attributes(
      String verb,
      String namespace,
      String apiGroup,
      String resource,
      String subresource,
      String name) {}

  private final Backend backend;

  Rbac(Backend backend) {
    this.backend = backend;
  }

  /** True when {@code user} is one RBAC applies to here: a service account. */
  static boolean limited(String user) {
    return user != null && user.startsWith(SA_PREFIX);
  }

  boolean allowed(String user, Attributes request) {
    if (!limited(user)) {
      return true;
    }
    String[] parts = user.substring(SA_PREFIX.length()).split(":", 2);
    if (parts.length != 2) {
      return false;
    }
    String saNamespace = parts[0];
    String saName = parts[1];
    List<String> groups =
        List.of(
            "system:serviceaccounts",
            "system:serviceaccounts:" + saNamespace,
            "system:authenticated");
    List<JsonNode> rules = new ArrayList<>();
    if (request.namespace() != null && !request.namespace().isEmpty()) {
      for (JsonNode binding :
          items(
              "/apis/rbac.authorization.k8s.io/v1/namespaces/"
                  + request.namespace()
                  + "/rolebindings")) {
        if (binds(binding, user, saNamespace, saName, groups, request.namespace())) {
          rules.addAll(rulesOf(binding.path("roleRef"), request.namespace()));
        }
      }
    }
    for (JsonNode binding : items("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings")) {
      if (binds(binding, user, saNamespace, saName, groups, null)) {
        rules.addAll(rulesOf(binding.path("roleRef"), null));
      }
    }
    return rules.stream().anyMatch(rule -> covers(rule, request));
  }

  private static boolean binds(
      JsonNode binding,
      String user,
      String saNamespace,
      String saName,
      List<String> groups,
      String bindingNamespace) {
    for (JsonNode subject : binding.path("subjects")) {
      String kind = subject.path("kind").asText();
      String name = subject.path("name").asText();
      switch (kind) {
        case "ServiceAccount" -> {
          String namespace =
              subject.path("namespace").asText(bindingNamespace == null ? "" : bindingNamespace);
          if (name.equals(saName) && namespace.equals(saNamespace)) {
            return true;
          }
        }
        case "User" -> {
          if (name.equals(user)) {
            return true;
          }
        }
        case "Group" -> {
          if (groups.contains(name)) {
            return true;
          }
        }
        default -> {
          // unknown subject kinds bind nobody
        }
      }
    }
    return false;
  }

  private List<JsonNode> rulesOf(JsonNode roleRef, String namespace) {
    String kind = roleRef.path("kind").asText();
    String name = roleRef.path("name").asText();
    Optional<ObjectNode> role =
        "ClusterRole".equals(kind)
            ? backend.get("/apis/rbac.authorization.k8s.io/v1/clusterroles/" + name)
            : namespace == null
                ? Optional.empty()
                : backend.get(
                    "/apis/rbac.authorization.k8s.io/v1/namespaces/"
                        + namespace
                        + "/roles/"
                        + name);
    List<JsonNode> rules = new ArrayList<>();
    role.ifPresent(r -> r.path("rules").forEach(rules::add));
    return rules;
  }

  private static boolean covers(JsonNode rule, Attributes request) {
    if (!contains(rule.path("verbs"), request.verb())
        || !contains(rule.path("apiGroups"), request.apiGroup())) {
      return false;
    }
    String combined =
        request.subresource() == null || request.subresource().isEmpty()
            ? request.resource()
            : request.resource() + "/" + request.subresource();
    boolean resource = false;
    for (JsonNode r : rule.path("resources")) {
      String value = r.asText();
      if (value.equals("*")
          || value.equals(combined)
          || (request.subresource() != null
              && !request.subresource().isEmpty()
              && value.equals("*/" + request.subresource()))) {
        resource = true;
      }
    }
    if (!resource) {
      return false;
    }
    JsonNode names = rule.path("resourceNames");
    return names.isMissingNode() || names.isEmpty() || contains(names, request.name());
  }

  private static boolean contains(JsonNode values, String wanted) {
    for (JsonNode value : values) {
      if (value.asText().equals("*") || value.asText().equals(wanted == null ? "" : wanted)) {
        return true;
      }
    }
    return false;
  }

  private List<JsonNode> items(String path) {
    List<JsonNode> out = new ArrayList<>();
    backend.get(path).ifPresent(list -> list.path("items").forEach(out::add));
    return out;
  }
}
