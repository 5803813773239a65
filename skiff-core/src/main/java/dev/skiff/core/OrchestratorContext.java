package dev.skiff.core;

/**
 * What an orchestrator gets from the client: the stores (and their addresses, for step
 * processes and pods), the materializers, and where the user's code is.
 *
 * @param classpath class path of the user's code and Skiff, for step processes
 */
public record OrchestratorContext(
    MetadataStore store,
    String metadataUrl,
    ArtifactStore artifacts,
    Materializers materializers,
    ClassLoader loader,
    String classpath,
    String stack) {}
