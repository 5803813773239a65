package dev.skiff.testing.containers;

import java.util.Locale;

/**
 * {@link Podman#pull} failed: what a kubelet reports as {@code ErrImagePull}. {@link #reason()} is
 * the registry's or network's own short words (e.g. {@code manifest unknown}, {@code connection
 * refused}); {@link #getMessage()} has podman's whole error line.
 */
public final class ImagePullException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String imageRef;
  private final String reason;
  private final Kind kind;

  /** A coarse class of the failure, for retry decisions and messages. */
  public enum Kind {
    /** The registry has no such manifest or repository: retrying will not help. */
    NOT_FOUND,
    /** The registry refused the credentials (or their absence). */
    UNAUTHORIZED,
    /** No registry answered (refused, unknown host, timeout): a retry may help. */
    UNREACHABLE,
    /** The reference itself is malformed. */
    INVALID_REFERENCE,
    OTHER
  }

  public ImagePullException(String imageRef, String podmanError) {
    super("pull of " + imageRef + " failed: " + podmanError);
    this.imageRef = imageRef;
    this.reason = shortReason(podmanError);
    this.kind = kindOf(podmanError);
  }

  public String imageRef() {
    return imageRef;
  }

  /** The last clause of podman's error, e.g. {@code manifest unknown}. */
  public String reason() {
    return reason;
  }

  public Kind kind() {
    return kind;
  }

  static String shortReason(String error) {
    String e = error.strip();
    if (e.startsWith("Error: ")) {
      e = e.substring("Error: ".length());
    }
    int last = e.lastIndexOf(": ");
    return last < 0 ? e : e.substring(last + 2).strip();
  }

  static Kind kindOf(String error) {
    String e = error.toLowerCase(Locale.ROOT);
    if (e.contains("manifest unknown") || e.contains("name unknown") || e.contains("not found")) {
      return Kind.NOT_FOUND;
    }
    if (e.contains("unauthorized")
        || e.contains("authentication required")
        || e.contains("denied")) {
      return Kind.UNAUTHORIZED;
    }
    if (e.contains("connection refused")
        || e.contains("no such host")
        || e.contains("timeout")
        || e.contains("pinging container registry")
        || e.contains("network is unreachable")) {
      return Kind.UNREACHABLE;
    }
    if (e.contains("invalid reference") || e.contains("parsing reference")) {
      return Kind.INVALID_REFERENCE;
    }
    return Kind.OTHER;
  }
}
