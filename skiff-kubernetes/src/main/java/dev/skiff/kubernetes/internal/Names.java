package dev.skiff.kubernetes.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** Kubernetes names and label values derived from run, step and pipeline names. */
public final class Names {
  private static final int MAX = 63;

  private Names() {}

  /**
   * Pod of attempt {@code attempt} of step {@code step} in run {@code run}: {@code
   * <run>-<step>-<attempt>}.
   */
  public static String stepPod(String run, String step, int attempt) {
    return dns(run + "-" + step + "-" + attempt);
  }

  public static String orchestratorJob(String run) {
    return dns(run + "-orchestrator");
  }

  public static String runSecret(String run) {
    return dns("skiff-run-" + run);
  }

  public static String cronJob(String pipeline, String schedule) {
    return dns("skiff-" + pipeline + "-" + schedule);
  }

  /**
   * A DNS-1123 label: lower case, {@code [a-z0-9-]}, at most 63 characters; a longer name is cut
   * and ends with a hash of the full name, so distinct inputs stay distinct.
   */
  public static String dns(String name) {
    String s =
        name.toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9-]+", "-")
            .replaceAll("-{2,}", "-")
            .replaceAll("^-+|-+$", "");
    if (s.isEmpty()) {
      s = "x";
    }
    if (s.length() <= MAX && s.equals(name)) {
      return s;
    }
    if (s.length() <= MAX && !s.equals(name)) {
      // sanitized: add a short hash so e.g. "a_b" and "a-b" do not collide
      String hashed =
          s.length() <= MAX - 9
              ? s + "-" + hash(name)
              : s.substring(0, MAX - 9).replaceAll("-+$", "") + "-" + hash(name);
      return hashed;
    }
    return s.substring(0, MAX - 9).replaceAll("-+$", "") + "-" + hash(name);
  }

  /** A label value: {@code [A-Za-z0-9_.-]}, alphanumeric at both ends, at most 63. */
  public static String labelValue(String value) {
    String s = value.replaceAll("[^A-Za-z0-9_.-]", "-");
    if (s.length() > MAX) {
      s = s.substring(0, MAX - 9) + "-" + hash(value);
    }
    return s.replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
  }

  private static String hash(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)))
          .substring(0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
