package dev.skiff.kubernetes.internal;

import dev.skiff.core.plan.PlanStep;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Kubernetes names and label values derived from run, step and pipeline names. */
public final class Names {
  private static final int MAX = 63;

  private Names() {}

  /** A name ending like an instance's index and attempt, e.g. step {@code m-3}. */
  private static final Pattern ENDS_IN_NUMBER = Pattern.compile(".*-[0-9]+");

  /**
   * Pod of attempt {@code attempt} of step {@code step} in run {@code run}: {@code
   * <run>-<step>-<attempt>}; for instance {@code m[3]} of a map, {@code <run>-m-3-<attempt>}.
   *
   * <p>Names that would be ambiguous get the hash of their full name, as {@link #dns} does for
   * sanitized or long names: a step whose name ends in {@code -<digits>} (step {@code m-3}'s pod
   * would otherwise be instance {@code m[3]}'s), and instances whose map name needs sanitizing or
   * whose name is too long (hashed with the brackets, so never like a step's hash).
   */
  public static String stepPod(String run, String step, int attempt) {
    Optional<PlanStep.Instance> instance = PlanStep.instance(step);
    if (instance.isPresent()) {
      String readable =
          run + "-" + instance.get().map() + "-" + instance.get().digits() + "-" + attempt;
      return readable.length() <= MAX && sanitize(readable).equals(readable)
          ? readable
          : hashed(sanitize(readable), run + "-" + step + "-" + attempt);
    }
    String name = run + "-" + step + "-" + attempt;
    return ENDS_IN_NUMBER.matcher(sanitize(step)).matches()
        ? hashed(sanitize(name), name)
        : dns(name);
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
    String s = sanitize(name);
    return s.length() <= MAX && s.equals(name) ? s : hashed(s, name);
  }

  /** Lower case, runs of other characters than {@code [a-z0-9-]} as one dash, none at the ends. */
  private static String sanitize(String name) {
    String s =
        name.toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9-]+", "-")
            .replaceAll("-{2,}", "-")
            .replaceAll("^-+|-+$", "");
    return s.isEmpty() ? "x" : s;
  }

  /**
   * {@code sanitized}, cut so that a dash and the hash of {@code identity} fit in 63 characters:
   * e.g. "a_b" and "a-b" do not collide.
   */
  private static String hashed(String sanitized, String identity) {
    String head =
        sanitized.length() <= MAX - 9
            ? sanitized
            : sanitized.substring(0, MAX - 9).replaceAll("-+$", "");
    return head + "-" + hash(identity);
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
