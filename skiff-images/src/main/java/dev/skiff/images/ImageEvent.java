package dev.skiff.images;

/** What an {@link ImageBuilder} reports while it builds and pushes, e.g. for a progress line. */
public sealed interface ImageEvent {
  /**
   * A message from the builder; {@code level} is one of error, warn, lifecycle, progress, info,
   * debug.
   */
  record Log(String level, String message) implements ImageEvent {}

  /** Overall progress of the build and push, from 0 to 1. */
  record Progress(double fraction) implements ImageEvent {}

  /** A blob (layer or image config) the registry already had, so it was not uploaded. */
  record BlobSkipped(String digest, long bytes) implements ImageEvent {}

  /** A blob (layer or image config) that was uploaded (sent at the end of the push). */
  record BlobPushed(String digest, long bytes) implements ImageEvent {}
}
