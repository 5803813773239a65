package dev.skiff.cli.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps secret values out of what the CLI prints: every secret value this process resolved to
 * configure a component is replaced by its reference {@code {{secret.NAME.KEY}}} in run output,
 * warnings, errors and artifact addresses. Values shorter than {@value #MIN_LENGTH} characters are
 * not searched for (they would match ordinary text).
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

  /** Remembers a credential that is not a secret reference (e.g. the metadata password), shown as {@code shown}. */
  public static void addCredential(String value, String shown) {
    if (value != null && value.length() >= MIN_LENGTH) {
      REPLACEMENTS.put(value, shown);
    }
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
