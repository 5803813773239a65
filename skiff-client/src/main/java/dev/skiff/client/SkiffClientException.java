package dev.skiff.client;

/**
 * A read that cannot be done: no such home, run, step or output, an output of another type, or
 * bytes that no longer match their content hash. The message is one line that names the fix.
 */
public final class SkiffClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SkiffClientException(String message) {
    super(message);
  }

  public SkiffClientException(String message, Throwable cause) {
    super(message, cause);
  }
}
