package dev.skiff.kubernetes.internal;

import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cron expressions as Kubernetes CronJobs read them (robfig/cron's standard parser): five fields
 * (minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT)
 * with {@code *}, {@code ?}, lists, ranges and steps, or one of {@code @yearly}, {@code
 * @annually}, {@code @monthly}, {@code @weekly}, {@code @daily}, {@code @midnight}, {@code
 * @hourly}. Parsed with cron-utils before anything is sent, so a typo is refused with one line
 * that points at the field, not by the API server or, worse, by a CronJob that never fires.
 * {@code @every} and {@code TZ=} prefixes are refused: the time zone is a setting ({@code
 * timeZone}).
 */
public final class CronExpressions {
  private static final String[] FIELDS = {"minute", "hour", "day-of-month", "month", "day-of-week"};
  private static final Pattern FIELD = Pattern.compile("\\S+");
  private static final CronDefinition KUBERNETES =
      CronDefinitionBuilder.defineCron()
          .withMinutes()
          .withValidRange(0, 59)
          .withStrictRange()
          .and()
          .withHours()
          .withValidRange(0, 23)
          .withStrictRange()
          .and()
          .withDayOfMonth()
          .withValidRange(1, 31)
          .supportsQuestionMark()
          .withStrictRange()
          .and()
          .withMonth()
          .withValidRange(1, 12)
          .withStrictRange()
          .and()
          .withDayOfWeek()
          .withValidRange(0, 6)
          .withMondayDoWValue(1)
          .supportsQuestionMark()
          .withStrictRange()
          .and()
          .withSupportedNicknameYearly()
          .withSupportedNicknameAnnually()
          .withSupportedNicknameMonthly()
          .withSupportedNicknameWeekly()
          .withSupportedNicknameDaily()
          .withSupportedNicknameMidnight()
          .withSupportedNicknameHourly()
          .instance();
  private static final CronParser PARSER = new CronParser(KUBERNETES);

  private CronExpressions() {}

  /**
   * {@code cron}, trimmed, when a CronJob accepts it.
   *
   * @throws IllegalArgumentException with one line naming the field and column at fault
   */
  public static String check(String cron) {
    String expression = cron == null ? "" : cron.strip();
    if (expression.startsWith("TZ=") || expression.startsWith("CRON_TZ=")) {
      throw invalid(
          cron,
          "a time zone prefix is not allowed: set the timeZone setting instead (e.g. --time-zone=Europe/Paris)");
    }
    if (expression.startsWith("@")) {
      try {
        PARSER.parse(expression);
        return expression;
      } catch (IllegalArgumentException e) {
        throw invalid(
            cron,
            "unknown descriptor '"
                + expression
                + "': use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly, or five fields");
      }
    }
    List<String> fields = new ArrayList<>();
    List<Integer> columns = new ArrayList<>();
    Matcher m = FIELD.matcher(cron == null ? "" : cron);
    while (m.find()) {
      fields.add(m.group());
      columns.add(m.start() + 1);
    }
    if (fields.size() != 5) {
      throw invalid(
          cron,
          "it has "
              + fields.size()
              + " field"
              + (fields.size() == 1 ? "" : "s")
              + ", a schedule has 5 (minute hour day-of-month month day-of-week), e.g. \"0 3 * * *\"");
    }
    for (int i = 0; i < 5; i++) {
      String[] probe = {"*", "*", "*", "*", "*"};
      probe[i] = fields.get(i);
      try {
        PARSER.parse(String.join(" ", probe)).validate();
      } catch (IllegalArgumentException e) {
        throw invalid(
            cron,
            "column "
                + columns.get(i)
                + ", "
                + FIELDS[i]
                + " '"
                + fields.get(i)
                + "': "
                + reason(e));
      }
    }
    try {
      PARSER.parse(String.join(" ", fields)).validate();
    } catch (IllegalArgumentException e) {
      throw invalid(cron, reason(e));
    }
    return String.join(" ", fields);
  }

  private static IllegalArgumentException invalid(String cron, String why) {
    return new IllegalArgumentException("invalid cron schedule '" + cron + "': " + why);
  }

  private static String reason(IllegalArgumentException e) {
    String m =
        e.getMessage() == null
            ? "not valid"
            : e.getMessage().replaceFirst("^Failed to parse cron expression\\. ", "").strip();
    m =
        m.replaceAll(
            "Invalid chars in expression! Expression: \\S+ Invalid chars: (\\S+)",
            "not a number, a name, *, ?, a list, a range or a step");
    m = m.replaceAll("^Invalid range! \\[(\\d+),(\\d+)\\]$", "range $1-$2 goes backwards");
    return m.isEmpty() ? "not valid" : Character.toLowerCase(m.charAt(0)) + m.substring(1);
  }
}
