package dev.skiff.store;

/**
 * A metadata store operation failed. The message is one line that says what was attempted, on which
 * store, and why; the cause keeps the driver's details for {@code --debug}.
 */
public class MetadataStoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public MetadataStoreException(String message) {
    super(message);
  }

  public MetadataStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
