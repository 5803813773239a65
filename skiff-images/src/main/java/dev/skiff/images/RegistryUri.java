package dev.skiff.images;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import java.util.regex.Pattern;

/** Checks registry URIs such as {@code registry.example.com/team}. */
public final class RegistryUri {
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");

  private RegistryUri() {}

  /**
   * The URI without trailing slashes, or {@link IllegalArgumentException} with a one-line reason.
   */
  public static String validate(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException(
          "uri is required: a registry host with optional port and path, e.g. --uri=registry.example.com/team");
    }
    String u = uri.trim();
    if (SCHEME.matcher(u).find()) {
      throw new IllegalArgumentException(
          "invalid registry uri '"
              + uri
              + "': leave out the scheme (e.g. registry.example.com/team); for plain HTTP set --insecure=true");
    }
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    int slash = u.indexOf('/');
    if (u.contains("@") || (slash >= 0 && u.substring(slash + 1).contains(":"))) {
      throw new IllegalArgumentException(
          "invalid registry uri '"
              + uri
              + "': give a registry and path without tag or digest, e.g. registry.example.com/team");
    }
    try {
      ImageReference ref = ImageReference.parse(u + "/skiff");
      if (!ref.getTag().orElse("latest").equals("latest") || ref.getDigest().isPresent()) {
        throw new IllegalArgumentException(
            "invalid registry uri '" + uri + "': give a registry and path without tag or digest");
      }
    } catch (InvalidImageReferenceException e) {
      throw new IllegalArgumentException(
          "invalid registry uri '"
              + uri
              + "': expected host[:port][/path] with lower-case path, e.g. registry.example.com/team",
          e);
    }
    return u;
  }

  /** Whether a pipeline name can be an image tag: {@code [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}}. */
  public static boolean isValidTag(String tag) {
    return tag != null && ImageReference.isValidTag(tag);
  }
}
