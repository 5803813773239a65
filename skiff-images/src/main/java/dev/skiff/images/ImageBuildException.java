package dev.skiff.images;

/** An image could not be built or pushed; the message is one line saying why. */
public final class ImageBuildException extends RuntimeException {
  public ImageBuildException(String message, Throwable cause) {
    super(message, cause);
  }
}
