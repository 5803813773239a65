package dev.skiff.cli.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Human formats for times, durations and sizes. */
public final class Format {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

  private Format() {}

  public static String time(Instant t) {
    return t == null ? "" : TIME.format(t);
  }

  public static String duration(Instant from, Instant to) {
    return from == null || to == null ? "" : duration(Duration.between(from, to));
  }

  public static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format("%.1f s", ms / 1000.0);
    }
    return String.format("%dm%02ds", ms / 60_000, (ms / 1000) % 60);
  }

  public static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format("%.1f KiB", bytes / 1024.0);
    }
    return String.format("%.1f MiB", bytes / (1024.0 * 1024));
  }

  public static String shortId(String id) {
    return id == null ? "" : id.length() > 12 ? id.substring(0, 12) : id;
  }
}
