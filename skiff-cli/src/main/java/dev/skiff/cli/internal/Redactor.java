package dev.skiff.cli.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps secret values out of what the CLI prints and records: every secret value this process
 * resolved (to configure a component, or in a setting such as {@code jvmArgs}) is replaced by its
 * reference {@code {{secret.NAME.KEY}}} in run output, warnings, errors (and {@code --debug}
 * traces), artifact addresses, and the errors and step logs the runs it drives record. Values
 * shorter than {@value #MIN_LENGTH} characters are not searched for (they would match ordinary
 * text).
 */
public final class Redactor {
  static final int MIN_LENGTH = 4;
  private static final Map<String, String> REPLACEMENTS = new ConcurrentHashMap<>();

  private Redactor() {}

  /** Remembers {@code value} of {@code reference} ({@code NAME.KEY}) for redaction. */
  static void add(String value, String reference) {
    if (value == null || value.length() < MIN_LENGTH) {
      return;
    }
    String shown = "{{secret." + reference + "}}";
    REPLACEMENTS.put(value, shown);
    if (value.startsWith("/")) {
      // the same path as it appears in file: URIs (spaces and the like percent-encoded)
      try {
        String encoded = Path.of(value).toUri().getRawPath().replaceAll("/$", "");
        if (!encoded.equals(value) && encoded.length() >= MIN_LENGTH) {
          REPLACEMENTS.put(encoded, shown);
        }
      } catch (RuntimeException notAPath) {
        // not a path after all
      }
    }
  }

  /**
   * Remembers a credential that is not a secret reference (e.g. the metadata password), shown as
   * {@code shown}.
   */
  public static void addCredential(String value, String shown) {
    if (value != null && value.length() >= MIN_LENGTH) {
      REPLACEMENTS.put(value, shown);
    }
  }

  /**
   * What {@link Throwable#printStackTrace()} prints for {@code t} (messages of causes included),
   * redacted.
   */
  public static String redactTrace(Throwable t) {
    java.io.StringWriter trace = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(trace));
    return redact(trace.toString());
  }

  public static String redact(String text) {
    if (text == null || REPLACEMENTS.isEmpty()) {
      return text;
    }
    List<String> values = new ArrayList<>(REPLACEMENTS.keySet());
    values.sort(Comparator.comparingInt(String::length).reversed()); // longest first
    String out = text;
    for (String v : values) {
      if (out.contains(v)) {
        out = out.replace(v, REPLACEMENTS.get(v));
      }
    }
    return out;
  }
}
