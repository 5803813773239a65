package dev.skiff.core.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.skiff.core.internal.Json;
import dev.skiff.core.stack.StackStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A pipeline that runs on a cron schedule, as kept in the metadata store: its compiled plan, so
 * each firing records a new run of exactly that plan. {@code location} says where the orchestrator
 * keeps it (e.g. the CronJob's namespace/name).
 */
public record ScheduleRecord(
    String pipeline,
    String name,
    String cron,
    String stack,
    String orchestrator,
    String location,
    String planJson,
    boolean paused,
    Instant createdAt) {
  private static final String PREFIX = "schedule/";

  public static String key(String pipeline, String name) {
    return PREFIX + pipeline + "/" + name;
  }

  public ScheduleRecord withPaused(boolean newPaused) {
    return new ScheduleRecord(
        pipeline, name, cron, stack, orchestrator, location, planJson, newPaused, createdAt);
  }

  public void save(StackStore store) {
    try {
      store.putSetting(key(pipeline, name), Json.mapper().writeValueAsString(this));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot store schedule " + name + ": " + e.getOriginalMessage(), e);
    }
  }

  public static Optional<ScheduleRecord> find(StackStore store, String pipeline, String name) {
    return store.getSetting(key(pipeline, name)).map(ScheduleRecord::parse);
  }

  /** All schedules, sorted by pipeline and name. */
  public static List<ScheduleRecord> list(StackStore store) {
    return store.settings(PREFIX).values().stream().map(ScheduleRecord::parse).toList();
  }

  public static void delete(StackStore store, String pipeline, String name) {
    store.putSetting(key(pipeline, name), null);
  }

  private static ScheduleRecord parse(String json) {
    try {
      return Json.mapper().readValue(json, ScheduleRecord.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable schedule record: " + e.getOriginalMessage(), e);
    }
  }
}
