package dev.skiff.core;

/**
 * What an orchestrator gets from the client: the stores (and how step processes and pods reach
 * them), the materializers, and where the user's code is.
 *
 * @param stores how step processes and pods reach the metadata and artifact stores
 * @param classpath class path of the user's code and Skiff, for step processes
 * @param images builds the pipeline's image when the stack has a container registry; null otherwise
 */
public record OrchestratorContext(
    MetadataStore store,
    StoreAccess stores,
    ArtifactStore artifacts,
    Materializers materializers,
    ClassLoader loader,
    String classpath,
    String stack,
    ImageProvider images) {

  /** A context without a container registry, whose artifact store is reached by its URI. */
  public OrchestratorContext(
      MetadataStore store, String metadataUrl, ArtifactStore artifacts, Materializers materializers, ClassLoader loader, String classpath, String stack) {
    this(store, new StoreAccess(metadataUrl, null, artifacts.uri()), artifacts, materializers, loader, classpath, stack, null);
  }

  public String metadataUrl() {
    return stores.metadataUrl();
  }
}
