package dev.skiff.kubernetes;

import java.time.ZoneId;
import java.util.List;

/**
 * Defaults and checks of the settings that shape the orchestrator Job and the CronJob of schedules,
 * shared by {@link KubernetesOrchestratorConfig} and {@link KubernetesSettings} (the same fields,
 * the same defaults).
 */
final class JobSettings {
  /** Orchestrator pods started again after one failed (not counting disruptions). */
  static final int BACKOFF_LIMIT = 3;

  /** Seven days: a finished run's Job, pods and Secret stay that long for inspection. */
  static final int TTL_AFTER_FINISHED = 7 * 24 * 3600;

  static final String CONCURRENCY_POLICY = "Forbid";
  static final int SUCCESSFUL_JOBS_HISTORY = 3;
  static final int FAILED_JOBS_HISTORY = 1;
  private static final List<String> POLICIES = List.of("Allow", "Forbid", "Replace");

  private JobSettings() {}

  static Integer atLeast(String name, Integer value, int fallback, int min) {
    int v = value == null ? fallback : value;
    if (v < min) {
      throw new IllegalArgumentException(name + " must be " + min + " or more, got " + v);
    }
    return v;
  }

  static Long atLeast(String name, Long value, long min) {
    if (value != null && value < min) {
      throw new IllegalArgumentException(name + " must be " + min + " or more, got " + value);
    }
    return value;
  }

  static Long positive(String name, Long value) {
    if (value != null && value <= 0) {
      throw new IllegalArgumentException(
          name + " must be positive (seconds), got " + value + "; leave it unset for no limit");
    }
    return value;
  }

  static String concurrencyPolicy(String value) {
    if (value == null) {
      return CONCURRENCY_POLICY;
    }
    for (String p : POLICIES) {
      if (p.equalsIgnoreCase(value)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "concurrencyPolicy '" + value + "' is not one of Allow, Forbid, Replace");
  }

  static void checkTimeZone(String zone) {
    if (zone != null && !ZoneId.getAvailableZoneIds().contains(zone)) {
      throw new IllegalArgumentException(
          "timeZone '" + zone + "' is not an IANA time zone name, e.g. Europe/Paris or Etc/UTC");
    }
  }

  static void checkServiceAccount(String name, String value) {
    if (value != null && !value.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
      throw new IllegalArgumentException(name + " '" + value + "' is not a valid name");
    }
  }
}
