package dev.skiff.core.engine;

import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Run ids such as {@code digits-20261123-132301-x7k2}: readable, sortable by time, unique, and safe
 * inside Kubernetes object names and labels.
 */
public final class RunIds {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private RunIds() {}

  public static String newId(String pipeline) {
    String prefix = pipeline.toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    if (prefix.length() > 30) {
      prefix = prefix.substring(0, 30).replaceAll("-$", "");
    }
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      suffix.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return (prefix.isEmpty() ? "run" : prefix)
        + "-"
        + TIME.format(ZonedDateTime.now(ZoneOffset.UTC))
        + "-"
        + suffix;
  }
}
