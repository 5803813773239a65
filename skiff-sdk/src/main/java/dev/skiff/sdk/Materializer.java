package dev.skiff.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Type;

/**
 * Writes step outputs to bytes and reads them back. Service provider found with {@link
 * java.util.ServiceLoader}; when several support a type the highest {@link #priority()} wins. Never
 * use Java serialization: artifacts may come from other people.
 */
public interface Materializer {

  /** Stable identity with a version, e.g. {@code skiff.matrix/v1}; part of the cache key. */
  String id();

  boolean supports(Type type);

  /** Higher wins when several materializers support a type; built-ins use 0 to 100. */
  default int priority() {
    return 0;
  }

  void write(Object value, Type type, OutputStream out) throws IOException;

  Object read(Type type, InputStream in) throws IOException;
}
