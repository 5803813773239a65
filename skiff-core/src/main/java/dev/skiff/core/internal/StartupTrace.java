package dev.skiff.core.internal;

import java.time.Instant;

/**
 * Time stamps of a step process's start-up phases, for benchmarks: with the system property {@value
 * #PROPERTY}{@code =true}, {@link #mark} prints {@code @@skiff-startup@@ PHASE MICROS} on standard
 * error, MICROS being wall-clock microseconds since the epoch (comparable across processes on one
 * machine). Off by default: one boolean read per mark.
 */
public final class StartupTrace {
  public static final String PROPERTY = "skiff.startupTrace";
  public static final String MARKER = "@@skiff-startup@@ ";

  private static final boolean ON = Boolean.getBoolean(PROPERTY);

  private StartupTrace() {}

  public static boolean enabled() {
    return ON;
  }

  /** Prints the phase that just ended, when tracing is on. */
  public static void mark(String phase) {
    if (ON) {
      System.err.println(MARKER + phase + " " + epochMicros());
    }
  }

  /** Wall-clock microseconds since the epoch. */
  public static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
