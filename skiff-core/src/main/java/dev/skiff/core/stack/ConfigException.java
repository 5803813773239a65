package dev.skiff.core.stack;

/**
 * Bad component configuration, settings, stack or secret; the message is one line naming the fix.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
