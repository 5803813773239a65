package dev.skiff.testing.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.Pluralize;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Raw JSON access to the mock API server for the fake cluster's own controllers (not through the
 * front, so it is neither counted nor faulted). Used where typed clients need a kind known in
 * advance: owners of any kind, deletes and finalizer edits of any object.
 */
final class Backend {
  static final ObjectMapper JSON = Serialization.jsonMapper();

  /** Built-in cluster-scoped kinds that can be owners. */
  private static final Set<String> CLUSTER_SCOPED =
      Set.of(
          "Namespace",
          "Node",
          "PersistentVolume",
          "ClusterRole",
          "ClusterRoleBinding",
          "CustomResourceDefinition",
          "StorageClass",
          "PriorityClass");

  private final HttpClient http;
  private final String base;

  Backend(int port) {
    this.base = "http://127.0.0.1:" + port;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** The object at {@code path}, or empty on 404. */
  Optional<ObjectNode> get(String path) {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET());
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    check(response, "GET " + path);
    try {
      JsonNode node = JSON.readTree(response.body());
      return node instanceof ObjectNode object ? Optional.of(object) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * JSON patch (RFC 6902); returns the HTTP status. Used instead of merge patches: the mock merges
   * arrays by appending instead of replacing them.
   */
  int jsonPatch(String path, JsonNode operations) {
    return send(HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json-patch+json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString(operations.toString())))
        .statusCode();
  }

  /** A JSON patch that sets {@code pointer} to {@code value}, or removes it when value is null. */
  static ArrayNode setOrRemove(String pointer, JsonNode value, boolean present) {
    ArrayNode operations = JSON.createArrayNode();
    ObjectNode operation = operations.addObject();
    if (value == null) {
      if (!present) {
        return JSON.createArrayNode();
      }
      operation.put("op", "remove").put("path", pointer);
    } else {
      operation.put("op", present ? "replace" : "add").put("path", pointer).set("value", value);
    }
    return operations;
  }

  /** DELETE; returns the HTTP status. */
  int delete(String path) {
    return send(HttpRequest.newBuilder(uri(path)).DELETE()).statusCode();
  }

  /** REST path of an object, from its apiVersion and kind. */
  static String objectPath(String apiVersion, String kind, String namespace, String name) {
    String plural = Pluralize.toPlural(kind.toLowerCase(Locale.ROOT));
    String prefix = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
    if (CLUSTER_SCOPED.contains(kind) || namespace == null || namespace.isEmpty()) {
      return prefix + "/" + plural + "/" + name;
    }
    return prefix + "/namespaces/" + namespace + "/" + plural + "/" + name;
  }

  private URI uri(String path) {
    return URI.create(base + path);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(
          request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void check(HttpResponse<String> response, String what) {
    if (response.statusCode() >= 400) {
      throw new IllegalStateException(
          what + " -> " + response.statusCode() + " " + response.body());
    }
  }
}
