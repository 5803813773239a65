package dev.skiff.kubernetes.internal;

import dev.skiff.core.stack.ConfigException;
import java.util.regex.Pattern;

/**
 * Image references as container runtimes parse them ({@code [host[:port]/]path[:tag][@digest]}, the
 * distribution reference grammar): a reference a kubelet cannot parse leaves every pod waiting
 * {@code InvalidImageName}, so Skiff refuses it before it creates anything.
 */
final class ImageReference {
  private static final String DOMAIN_COMPONENT =
      "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final String DOMAIN =
      DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*(?::[0-9]+)?";
  private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final String NAME =
      "(?:" + DOMAIN + "/)?" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";
  private static final String TAG = "[\\w][\\w.-]{0,127}";
  private static final String DIGEST =
      "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
  private static final Pattern REFERENCE =
      Pattern.compile(NAME + "(?::" + TAG + ")?(?:@" + DIGEST + ")?");

  private ImageReference() {}

  /** {@code image} if a kubelet can parse it; else a one-line error naming the fix. */
  static String check(String image) {
    if (image.length() > 255 + 128 + 80 || !REFERENCE.matcher(image).matches()) {
      throw new ConfigException(
          "image '"
              + image
              + "' is not a valid image reference (InvalidImageName): write"
              + " [registry[:port]/]repository[:tag][@sha256:digest] with a lower-case repository,"
              + " e.g. registry.example.com/team/skiff:digits; fix it with 'skiff orchestrator"
              + " update NAME --image=...'");
    }
    return image;
  }
}
