package dev.skiff.artifacts.s3.internal;

import java.util.Objects;

/** The rules for blob paths, the same as the local store's: relative, '/'-separated, no way out. */
public final class BlobPaths {
  private BlobPaths() {}

  /**
   * The object key of {@code path} under {@code prefix} ("" or "a/b"), after checking the path: not
   * empty, relative, no backslash or NUL, no empty, '.' or '..' segment.
   */
  public static String key(String prefix, String path) {
    Objects.requireNonNull(path, "path");
    if (path.isEmpty()) {
      throw new IllegalArgumentException("artifact path is empty");
    }
    if (path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "artifact path must be '/'-separated, without backslashes or NUL: " + path);
    }
    if (path.startsWith("/")) {
      throw new IllegalArgumentException("artifact path must be relative: " + path);
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "artifact path has an empty, '.' or '..' segment: " + path);
      }
    }
    return prefix.isEmpty() ? path : prefix + "/" + path;
  }

  /**
   * The key prefix to list for blob paths starting with {@code pathPrefix} (may be partial, "" for
   * all).
   */
  public static String listPrefix(String prefix, String pathPrefix) {
    Objects.requireNonNull(pathPrefix, "prefix");
    if (pathPrefix.startsWith("/")
        || pathPrefix.indexOf('\\') >= 0
        || pathPrefix.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "artifact path prefix must be relative and '/'-separated: " + pathPrefix);
    }
    return prefix.isEmpty() ? pathPrefix : prefix + "/" + pathPrefix;
  }
}
