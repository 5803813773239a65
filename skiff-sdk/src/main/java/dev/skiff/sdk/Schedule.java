package dev.skiff.sdk;

import java.util.Objects;

/**
 * When a pipeline runs by itself: a cron expression (five fields: minute hour day-of-month month
 * day-of-week, as Kubernetes CronJobs read them) and a name unique per pipeline.
 */
public record Schedule(String name, String cron) {
  public Schedule {
    if (!Names.isValid(name)) {
      throw new IllegalArgumentException(
          "schedule name '" + name + "' is invalid: use a letter then letters, digits, '_' or '-'");
    }
    Objects.requireNonNull(cron, "cron");
    String[] fields = cron.trim().split("\\s+");
    if (!cron.trim().startsWith("@") && fields.length != 5) {
      throw new IllegalArgumentException(
          "cron '"
              + cron
              + "' needs 5 fields (minute hour day-of-month month day-of-week), e.g. \"*/5 * * * *\"");
    }
  }

  /** A schedule named {@code default}. */
  public static Schedule cron(String cron) {
    return new Schedule("default", cron);
  }

  public Schedule named(String newName) {
    return new Schedule(newName, cron);
  }
}
