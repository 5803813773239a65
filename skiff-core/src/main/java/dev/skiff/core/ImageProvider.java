package dev.skiff.core;

/**
 * Makes the image that holds a pipeline's code for pods, from the stack's container registry;
 * returns a reference pods can pull, preferably by digest ({@code repo@sha256:…}).
 */
@FunctionalInterface
public interface ImageProvider {
  String imageFor(RunPlan plan);
}
