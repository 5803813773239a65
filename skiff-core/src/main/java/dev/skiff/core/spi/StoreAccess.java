package dev.skiff.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.internal.Json;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ConfigBinder;
import dev.skiff.core.stack.Flavor;
import dev.skiff.core.stack.Flavors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What a step process or pod needs to reach a run's stores, handed over as environment variables (a
 * local step process's environment; on Kubernetes, keys of the run Secret that pods reference with
 * {@code secretKeyRef}, never values in the pod spec). Holds credentials: {@link #toString()} shows
 * none.
 *
 * @param metadataUrl JDBC URL of the metadata store
 * @param metadataPassword the database password when it is not in the URL or {@code ~/.pgpass}; may
 *     be null
 * @param artifactStore the artifact store: {@code {"flavor":..,"config":{..}}} with secret
 *     references resolved, or a plain {@code file:} URI
 */
public record StoreAccess(String metadataUrl, String metadataPassword, String artifactStore) {
  public static final String METADATA_URL_ENV = "SKIFF_METADATA_URL";
  public static final String METADATA_PASSWORD_ENV = "SKIFF_METADATA_PASSWORD";
  public static final String ARTIFACT_STORE_ENV = "SKIFF_ARTIFACT_STORE";

  public StoreAccess {
    Objects.requireNonNull(metadataUrl, "metadataUrl");
    Objects.requireNonNull(artifactStore, "artifactStore");
    if (metadataPassword != null && metadataPassword.isEmpty()) {
      metadataPassword = null;
    }
  }

  /**
   * The address of an artifact store component: its flavor and its configuration, secrets resolved.
   */
  public static String artifactStoreAddress(String flavor, ObjectNode resolvedConfig) {
    return artifactStoreAddress(flavor, resolvedConfig, Map.of());
  }

  /**
   * The address of an artifact store component whose configuration referred to secrets: also the
   * values put in ({@code NAME.KEY} to value), so that whoever opens the store from this address (a
   * step process, a pod) can keep them out of what it records ({@link #redactor()}). They are in
   * the configuration anyway; this only says which ones are secret.
   */
  public static String artifactStoreAddress(
      String flavor, ObjectNode resolvedConfig, Map<String, String> secretValues) {
    ObjectNode address = Json.mapper().createObjectNode();
    address.put("flavor", flavor);
    address.set("config", resolvedConfig);
    if (!secretValues.isEmpty()) {
      ObjectNode secrets = address.putObject("secrets");
      secretValues.forEach(secrets::put);
    }
    try {
      return Json.mapper().writeValueAsString(address);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The variables to set, in a stable order; the password only when there is one. */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(METADATA_URL_ENV, metadataUrl);
    if (metadataPassword != null) {
      env.put(METADATA_PASSWORD_ENV, metadataPassword);
    }
    env.put(ARTIFACT_STORE_ENV, artifactStore);
    return env;
  }

  /** Reads what {@link #environment()} wrote; fails with one line naming a missing variable. */
  public static StoreAccess fromEnvironment(Map<String, String> env) {
    return new StoreAccess(
        required(env, METADATA_URL_ENV),
        env.get(METADATA_PASSWORD_ENV),
        required(env, ARTIFACT_STORE_ENV));
  }

  public MetadataStore openMetadataStore(ClassLoader loader) {
    return Backends.openMetadataStore(metadataUrl, metadataPassword, loader);
  }

  /** Opens the artifact store through its flavor, found on {@code loader}'s class path. */
  public ArtifactStore openArtifactStore(ClassLoader loader) {
    return openArtifactStore(artifactStore, loader);
  }

  /** Opens an artifact store {@linkplain #artifactStoreAddress address} or URI. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static ArtifactStore openArtifactStore(String address, ClassLoader loader) {
    if (!address.startsWith("{")) {
      return Backends.openArtifactStore(address, loader);
    }
    JsonNode json;
    try {
      json = Json.mapper().readTree(address);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "malformed artifact store address in "
              + ARTIFACT_STORE_ENV
              + ": "
              + e.getMessage().lines().findFirst().orElse(""));
    }
    String flavorName = json.path("flavor").asText();
    Flavor<?> flavor = Flavors.load(loader).find(ComponentType.ARTIFACT_STORE, flavorName);
    if (!(flavor instanceof ArtifactStoreFlavor storeFlavor)) {
      throw new IllegalArgumentException(
          "artifact-store flavor '" + flavorName + "' cannot open stores");
    }
    ObjectNode config =
        json.path("config") instanceof ObjectNode o ? o : Json.mapper().createObjectNode();
    Record record =
        ConfigBinder.instantiate(
            flavor.configType(),
            config,
            UnaryOperator.identity(),
            "artifact-store flavor '" + flavorName + "'");
    return storeFlavor.open(record);
  }

  /**
   * Why executors on other machines ({@code executors}, e.g. "pods") could not reach these stores,
   * one line each naming the fix: an artifact store only this machine can reach, an SQLite metadata
   * file. Skiff cannot know the cluster's network, so any server address passes.
   */
  public List<String> problemsForRemoteExecutors(
      ArtifactStore artifacts, String stack, String executors) {
    List<String> problems = new ArrayList<>();
    if (artifacts.onlyOnThisMachine()) {
      problems.add(
          "stack '"
              + stack
              + "' keeps artifacts in "
              + artifacts.uri()
              + ", a folder "
              + executors
              + " cannot reach:"
              + " register an s3 artifact store (skiff artifact-store register NAME --flavor s3 --path=s3://BUCKET/PREFIX) and use it"
              + " (skiff stack update "
              + stack
              + " -a NAME), or declare the folder mounted in every pod (--mounted-in-pods=true)");
    }
    if (Backends.metadataOnlyOnThisMachine(metadataUrl)) {
      problems.add(
          "stack '"
              + stack
              + "' would record metadata in the SQLite file "
              + metadataUrl.substring("jdbc:sqlite:".length())
              + ", which "
              + executors
              + " cannot reach: point this Skiff home at PostgreSQL"
              + " (skiff init --metadata-url=jdbc:postgresql://HOST:PORT/DB?user=USER, or SKIFF_METADATA_URL)");
    }
    return problems;
  }

  /**
   * Replaces the credentials these addresses hold in a text: the metadata password (given apart or
   * as {@code password=} in the URL) by {@code <metadata password>}, and the artifact store's
   * secret values by their references {@code {{secret.NAME.KEY}}}. Values shorter than 4 characters
   * are left alone (they would match ordinary text). For what a pod or step process records, e.g.
   * {@link Redaction#metadataStore}.
   */
  public UnaryOperator<String> redactor() {
    Map<String, String> replacements = new LinkedHashMap<>();
    java.util.function.BiConsumer<String, String> add =
        (value, shown) -> {
          if (value != null && value.length() >= 4) {
            replacements.put(value, shown);
          }
        };
    add.accept(metadataPassword, "<metadata password>");
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("[?&;]password=([^&;]*)").matcher(metadataUrl);
    while (m.find()) {
      add.accept(m.group(1), "<metadata password>");
      add.accept(
          java.net.URLDecoder.decode(m.group(1), java.nio.charset.StandardCharsets.UTF_8),
          "<metadata password>");
    }
    if (artifactStore.startsWith("{")) {
      try {
        if (Json.mapper().readTree(artifactStore).path("secrets") instanceof ObjectNode secrets) {
          secrets
              .properties()
              .forEach(e -> add.accept(e.getValue().asText(), "{{secret." + e.getKey() + "}}"));
        }
      } catch (IOException malformed) {
        // opening the store reports it
      }
    }
    List<String> values = new ArrayList<>(replacements.keySet());
    values.sort(java.util.Comparator.comparingInt(String::length).reversed()); // longest first
    return text -> {
      if (text == null) {
        return null;
      }
      String out = text;
      for (String v : values) {
        out = out.replace(v, replacements.get(v));
      }
      return out;
    };
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          name
              + " is not set: step processes and pods get it from the orchestrator that starts them");
    }
    return value;
  }

  @Override
  public String toString() {
    return "StoreAccess[metadata="
        + Backends.redact(metadataUrl)
        + ", artifacts="
        + (artifactStore.startsWith("{") ? "(" + artifactStore.length() + " chars)" : artifactStore)
        + "]";
  }
}
