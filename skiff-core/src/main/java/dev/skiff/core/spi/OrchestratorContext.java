package dev.skiff.core.spi;

import dev.skiff.core.stack.ConfigBinder;
import dev.skiff.core.stack.ConfigException;
import java.util.function.UnaryOperator;

/**
 * What an orchestrator gets from the client: the stores (and how step processes and pods reach
 * them), the materializers, and where the user's code is.
 *
 * @param stores how step processes and pods reach the metadata and artifact stores
 * @param classpath class path of the user's code and Skiff, for step processes
 * @param images builds the pipeline's image when the stack has a container registry; null otherwise
 * @param secrets resolves the secret references {@code {{secret.NAME.KEY}}} in a text value of the
 *     run's settings, at the moment it is used (e.g. a step JVM's {@code jvmArgs}); plans and
 *     stores keep the references. {@link #NO_SECRETS} without the client's secrets.
 */
public record OrchestratorContext(
    MetadataStore store,
    StoreAccess stores,
    ArtifactStore artifacts,
    Materializers materializers,
    ClassLoader loader,
    String classpath,
    String stack,
    ImageProvider images,
    UnaryOperator<String> secrets) {

  /** Refuses any secret reference: only the client that holds the secrets can resolve them. */
  public static final UnaryOperator<String> NO_SECRETS =
      text -> {
        java.util.regex.Matcher ref = text == null ? null : ConfigBinder.SECRET_REF.matcher(text);
        if (ref != null && ref.find()) {
          throw new ConfigException(
              "cannot resolve {{secret."
                  + ref.group(1)
                  + "."
                  + ref.group(2)
                  + "}} in a setting here: run the pipeline with the skiff CLI, which holds the secrets");
        }
        return text;
      };

  public OrchestratorContext {
    secrets = secrets == null ? NO_SECRETS : secrets;
  }

  /** A context without the client's secrets. */
  public OrchestratorContext(
      MetadataStore store,
      StoreAccess stores,
      ArtifactStore artifacts,
      Materializers materializers,
      ClassLoader loader,
      String classpath,
      String stack,
      ImageProvider images) {
    this(store, stores, artifacts, materializers, loader, classpath, stack, images, NO_SECRETS);
  }

  /** A context without a container registry, whose artifact store is reached by its URI. */
  public OrchestratorContext(
      MetadataStore store,
      String metadataUrl,
      ArtifactStore artifacts,
      Materializers materializers,
      ClassLoader loader,
      String classpath,
      String stack) {
    this(
        store,
        new StoreAccess(metadataUrl, null, artifacts.uri()),
        artifacts,
        materializers,
        loader,
        classpath,
        stack,
        null,
        NO_SECRETS);
  }

  public String metadataUrl() {
    return stores.metadataUrl();
  }
}
