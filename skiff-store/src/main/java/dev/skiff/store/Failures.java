package dev.skiff.store;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions from JDBC, Flyway and the file system into one-line reasons. */
final class Failures {

  private Failures() {}

  static MetadataStoreException wrap(String what, Throwable cause) {
    return new MetadataStoreException(what + ": " + reason(cause), cause);
  }

  /** Whether the message of {@code e} or of one of its causes contains {@code text}. */
  static boolean mentions(Throwable e, String text) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains(text)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  static String reason(Throwable e) {
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile() + " exists and is not a directory";
    }
    if (e instanceof AccessDeniedException f) {
      return "permission denied on " + f.getFile();
    }
    if (e instanceof NoSuchFileException f) {
      return "no such file or directory: " + f.getFile();
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason() + ": " + f.getFile();
    }
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getCause() != null ? reason(e.getCause()) : e.getClass().getSimpleName();
    }
    // Flyway and some drivers write multi-line reports; the first line says what went wrong.
    return message.strip().lines().findFirst().orElse(message).strip();
  }
}
