package dev.skiff.testing.kubernetes;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CronJob schedule as the CronJob controller reads it ({@code cron.ParseStandard} of
 * robfig/cron v3): five fields (minute, hour, day of month, month, day of week; names for months
 * and days, {@code *}, {@code ?}, ranges, steps, lists), the descriptors {@code @yearly}...{@code
 * @hourly}, {@code @every <duration>}, and a {@code TZ=}/{@code CRON_TZ=} prefix. Error messages
 * are robfig's, since the API server answers them in its 422.
 */
final class CronSchedule {
  private static final long STAR = 1L << 63;
  private static final Map<String, Integer> MONTHS =
      Map.ofEntries(
          Map.entry("jan", 1),
          Map.entry("feb", 2),
          Map.entry("mar", 3),
          Map.entry("apr", 4),
          Map.entry("may", 5),
          Map.entry("jun", 6),
          Map.entry("jul", 7),
          Map.entry("aug", 8),
          Map.entry("sep", 9),
          Map.entry("oct", 10),
          Map.entry("nov", 11),
          Map.entry("dec", 12));
  private static final Map<String, Integer> DAYS =
      Map.of("sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6);
  private static final Pattern GO_DURATION =
      Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private record Bounds(int min, int max, Map<String, Integer> names) {}

  private static final Bounds MINUTE = new Bounds(0, 59, Map.of());
  private static final Bounds HOUR = new Bounds(0, 23, Map.of());
  private static final Bounds DOM = new Bounds(1, 31, Map.of());
  private static final Bounds MONTH = new Bounds(1, 12, MONTHS);
  private static final Bounds DOW = new Bounds(0, 6, DAYS);

  private final ZoneId zone;
  private final Duration every;
  private final long minute;
  private final long hour;
  private final long dom;
  private final long month;
  private final long dow;

  private CronSchedule(ZoneId zone, Duration every, long[] fields) {
    this.zone = zone;
    this.every = every;
    this.minute = fields[0];
    this.hour = fields[1];
    this.dom = fields[2];
    this.month = fields[3];
    this.dow = fields[4];
  }

  /** Parses {@code spec}; times are in {@code zone} unless the spec has a TZ prefix. */
  static CronSchedule parse(String spec, ZoneId zone) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("empty spec string");
    }
    String text = spec.trim();
    if (text.startsWith("TZ=") || text.startsWith("CRON_TZ=")) {
      int space = text.indexOf(' ');
      String name = text.substring(text.indexOf('=') + 1, space < 0 ? text.length() : space);
      zone =
          zone(name)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "provided bad location " + name + ": unknown time zone " + name));
      text = space < 0 ? "" : text.substring(space).trim();
    }
    if (text.startsWith("@")) {
      return descriptor(text, zone);
    }
    String[] fields = text.isEmpty() ? new String[0] : text.split("\\s+");
    if (fields.length != 5) {
      throw new IllegalArgumentException(
          "expected exactly 5 fields, found "
              + fields.length
              + ": ["
              + String.join(" ", fields)
              + "]");
    }
    return new CronSchedule(
        zone,
        null,
        new long[] {
          field(fields[0], MINUTE),
          field(fields[1], HOUR),
          field(fields[2], DOM),
          field(fields[3], MONTH),
          field(fields[4], DOW)
        });
  }

  /** The IANA zone named {@code name}, as Go's {@code time.LoadLocation} accepts it. */
  static java.util.Optional<ZoneId> zone(String name) {
    if ("UTC".equals(name) || "".equals(name)) {
      return java.util.Optional.of(ZoneOffset.UTC);
    }
    if (!ZoneId.getAvailableZoneIds().contains(name)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(ZoneId.of(name));
  }

  /** The first activation strictly after {@code after}, or null if there is none within 5 years. */
  Instant next(Instant after) {
    if (every != null) {
      return after.truncatedTo(ChronoUnit.SECONDS).plus(every);
    }
    ZonedDateTime t = after.atZone(zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    ZonedDateTime limit = t.plusYears(5);
    while (t.isBefore(limit)) {
      if (!has(month, t.getMonthValue())) {
        t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
        continue;
      }
      if (!dayMatches(t)) {
        t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
        continue;
      }
      if (!has(hour, t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
        continue;
      }
      if (!has(minute, t.getMinute())) {
        t = t.plusMinutes(1);
        continue;
      }
      return t.toInstant();
    }
    return null;
  }

  private boolean dayMatches(ZonedDateTime t) {
    boolean domMatch = has(dom, t.getDayOfMonth());
    boolean dowMatch = has(dow, t.getDayOfWeek().getValue() % 7);
    // robfig/cron: a restricted day-of-month OR a restricted day-of-week, unless either is '*'.
    if ((dom & STAR) != 0 || (dow & STAR) != 0) {
      return domMatch && dowMatch;
    }
    return domMatch || dowMatch;
  }

  private static boolean has(long bits, int value) {
    return (bits & (1L << value)) != 0;
  }

  private static CronSchedule descriptor(String text, ZoneId zone) {
    String standard =
        switch (text) {
          case "@yearly", "@annually" -> "0 0 1 1 *";
          case "@monthly" -> "0 0 1 * *";
          case "@weekly" -> "0 0 * * 0";
          case "@daily", "@midnight" -> "0 0 * * *";
          case "@hourly" -> "0 * * * *";
          default -> null;
        };
    if (standard != null) {
      return parse(standard, zone);
    }
    if (text.startsWith("@every ")) {
      String value = text.substring(7).trim();
      Duration delay = goDuration(value);
      if (delay == null) {
        throw new IllegalArgumentException(
            "failed to parse duration " + text + ": time: invalid duration \"" + value + "\"");
      }
      // ConstantDelaySchedule: rounded down to seconds, at least one second.
      long seconds = Math.max(1, delay.getSeconds());
      return new CronSchedule(zone, Duration.ofSeconds(seconds), new long[5]);
    }
    throw new IllegalArgumentException("unrecognized descriptor: " + text);
  }

  private static Duration goDuration(String text) {
    Matcher m = GO_DURATION.matcher(text);
    int at = 0;
    double nanos = 0;
    while (m.find() && m.start() == at) {
      double amount = Double.parseDouble(m.group(1));
      nanos +=
          amount
              * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
              };
      at = m.end();
    }
    return at == text.length() && at > 0 ? Duration.ofNanos((long) nanos) : null;
  }

  private static long field(String text, Bounds bounds) {
    long bits = 0;
    for (String expr : text.split(",", -1)) {
      bits |= range(expr, bounds);
    }
    return bits;
  }

  private static long range(String expr, Bounds bounds) {
    String[] rangeAndStep = expr.split("/", -1);
    String[] lowAndHigh = rangeAndStep[0].split("-", -1);
    boolean single = lowAndHigh.length == 1;
    int start;
    int end;
    int step = 1;
    long extra = 0;
    if ("*".equals(lowAndHigh[0]) || "?".equals(lowAndHigh[0])) {
      start = bounds.min();
      end = bounds.max();
      extra = STAR;
    } else {
      start = value(lowAndHigh[0], bounds.names());
      if (lowAndHigh.length == 1) {
        end = start;
      } else if (lowAndHigh.length == 2) {
        end = value(lowAndHigh[1], bounds.names());
      } else {
        throw new IllegalArgumentException("too many hyphens: " + expr);
      }
    }
    if (rangeAndStep.length == 2) {
      step = number(rangeAndStep[1]);
      if (single) {
        end = bounds.max(); // "N/step" means "N-max/step"
      }
      if (step > 1) {
        extra = 0;
      }
    } else if (rangeAndStep.length > 2) {
      throw new IllegalArgumentException("too many slashes: " + expr);
    }
    if (start < bounds.min()) {
      throw new IllegalArgumentException(
          "beginning of range (" + start + ") below minimum (" + bounds.min() + "): " + expr);
    }
    if (end > bounds.max()) {
      throw new IllegalArgumentException(
          "end of range (" + end + ") above maximum (" + bounds.max() + "): " + expr);
    }
    if (start > end) {
      throw new IllegalArgumentException(
          "beginning of range (" + start + ") beyond end of range (" + end + "): " + expr);
    }
    if (step == 0) {
      throw new IllegalArgumentException("step of range should be a positive number: " + expr);
    }
    long bits = extra;
    for (int i = start; i <= end; i += step) {
      bits |= 1L << i;
    }
    return bits;
  }

  private static int value(String text, Map<String, Integer> names) {
    Integer named = names.get(text.toLowerCase(Locale.ROOT));
    return named != null ? named : number(text);
  }

  private static int number(String text) {
    try {
      int value = Integer.parseInt(text);
      if (value < 0) {
        throw new IllegalArgumentException("negative number (" + value + ") not allowed: " + text);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "failed to parse int from "
              + text
              + ": strconv.Atoi: parsing \""
              + text
              + "\": invalid syntax");
    }
  }

  /** For tests: the activations after {@code after}, {@code count} of them. */
  List<Instant> next(Instant after, int count) {
    java.util.ArrayList<Instant> out = new java.util.ArrayList<>();
    Instant t = after;
    for (int i = 0; i < count && t != null; i++) {
      t = next(t);
      if (t != null) {
        out.add(t);
      }
    }
    return out;
  }
}
