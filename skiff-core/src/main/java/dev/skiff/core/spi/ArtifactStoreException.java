package dev.skiff.core.spi;

/**
 * An artifact store cannot be used: unreachable, missing, refused credentials. The message is one
 * line that names the fix.
 */
public class ArtifactStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ArtifactStoreException(String message) {
    super(message);
  }

  public ArtifactStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
