package dev.skiff.core;

/**
 * What an orchestrator gets from the client: the stores (and their addresses, for step
 * processes and pods), the materializers, and where the user's code is.
 *
 * @param classpath class path of the user's code and Skiff, for step processes
 * @param images builds the pipeline's image when the stack has a container registry; null otherwise
 */
public record OrchestratorContext(
    MetadataStore store,
    String metadataUrl,
    ArtifactStore artifacts,
    Materializers materializers,
    ClassLoader loader,
    String classpath,
    String stack,
    ImageProvider images) {

  /** A context without a container registry. */
  public OrchestratorContext(
      MetadataStore store, String metadataUrl, ArtifactStore artifacts, Materializers materializers, ClassLoader loader, String classpath, String stack) {
    this(store, metadataUrl, artifacts, materializers, loader, classpath, stack, null);
  }
}
