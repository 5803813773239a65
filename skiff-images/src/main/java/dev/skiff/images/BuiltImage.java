package dev.skiff.images;

import java.util.List;

/**
 * An image in the registry.
 *
 * @param repository e.g. {@code registry.example.com/team/skiff}
 * @param tag the pipeline tag, e.g. {@code digits}
 * @param contentTag the tag naming the content hash of the inputs, e.g. {@code c-1f2e…}
 * @param digest the manifest digest, {@code sha256:…}
 * @param pushed false when the registry already had this exact image and nothing was uploaded
 * @param pushedBlobs digests of the blobs (layers and config) uploaded by this build
 * @param skippedBlobs digests of the blobs the registry already had
 */
public record BuiltImage(
    String repository,
    String tag,
    String contentTag,
    String digest,
    boolean pushed,
    List<String> pushedBlobs,
    List<String> skippedBlobs) {
  public BuiltImage {
    pushedBlobs = List.copyOf(pushedBlobs);
    skippedBlobs = List.copyOf(skippedBlobs);
  }

  /** The reference pods use, pinned to the digest: {@code repository@sha256:…}. */
  public String reference() {
    return repository + "@" + digest;
  }

  /** The tagged reference, {@code repository:tag}. */
  public String taggedReference() {
    return repository + ":" + tag;
  }
}
