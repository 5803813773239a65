package dev.skiff.testing.containers;

/** A podman command failed for a reason that is the platform's, not the container's. */
public final class PodmanException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PodmanException(String message) {
    super(message);
  }

  public PodmanException(String message, Throwable cause) {
    super(message, cause);
  }
}
