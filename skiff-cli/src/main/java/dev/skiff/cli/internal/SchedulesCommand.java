package dev.skiff.cli.internal;

import dev.skiff.core.spi.ScheduleRecord;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code skiff schedules}: pipelines that run on a cron schedule ({@code skiff run --schedule}).
 */
@Command(
    name = "schedules",
    description =
        "List, pause, resume, update and delete schedules made with 'skiff run --schedule' or Pipeline.run(Schedule).",
    subcommands = {
      SchedulesCommand.ListSchedules.class,
      SchedulesCommand.Pause.class,
      SchedulesCommand.Resume.class,
      SchedulesCommand.Delete.class,
      SchedulesCommand.Update.class
    })
public final class SchedulesCommand {

  /** PIPELINE/NAME, or NAME when it is unique. */
  static ScheduleRecord find(Workspace workspace, String id) {
    List<ScheduleRecord> all = ScheduleRecord.list(workspace.store());
    List<ScheduleRecord> matches =
        all.stream()
            .filter(s -> (s.pipeline() + "/" + s.name()).equals(id) || s.name().equals(id))
            .toList();
    if (matches.isEmpty()) {
      throw new IllegalArgumentException("no schedule '" + id + "': see 'skiff schedules list'");
    }
    if (matches.size() > 1) {
      throw new IllegalArgumentException(
          "'" + id + "' names schedules of several pipelines: write PIPELINE/NAME");
    }
    return matches.get(0);
  }

  @Command(name = "list", description = "List schedules.")
  static final class ListSchedules implements Callable<Integer> {
    @Option(
        names = {"--output", "-o"},
        paramLabel = "FORMAT",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.table;

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (Workspace workspace = Workspace.open(project.project(), spec.commandLine().getErr())) {
        List<ScheduleRecord> schedules = ScheduleRecord.list(workspace.store());
        if (output == OutputFormat.json) {
          JsonOutput.print(out, schedules.stream().map(SchedulesCommand::json).toList());
          return 0;
        }
        Ansi ansi = Ansi.auto();
        Table t = new Table("PIPELINE", "NAME", "CRON", "STATE", "STACK", "WHERE", "CREATED");
        for (ScheduleRecord s : schedules) {
          t.row(
              s.pipeline(),
              s.name(),
              s.cron(),
              s.paused() ? ansi.yellow("paused") : ansi.green("active"),
              s.stack(),
              s.location(),
              Format.time(s.createdAt()));
        }
        t.print(out, ansi);
      }
      return 0;
    }
  }

  /** Pause and resume differ only in the state they set. */
  abstract static class SetPaused implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "SCHEDULE",
        description = "PIPELINE/NAME, or NAME when unique.")
    String id;

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    abstract boolean paused();

    @Override
    public Integer call() {
      try (Workspace workspace = Workspace.open(project.project(), spec.commandLine().getErr())) {
        ScheduleRecord s = find(workspace, id);
        new StackRuns(workspace).orchestratorOf(s).pauseSchedule(s, paused());
        spec.commandLine()
            .getOut()
            .println(
                (paused() ? "Paused" : "Resumed") + " schedule " + s.pipeline() + "/" + s.name());
      }
      return 0;
    }
  }

  @Command(name = "pause", description = "Stop a schedule from firing until it is resumed.")
  static final class Pause extends SetPaused {
    @Override
    boolean paused() {
      return true;
    }
  }

  @Command(name = "resume", description = "Let a paused schedule fire again.")
  static final class Resume extends SetPaused {
    @Override
    boolean paused() {
      return false;
    }
  }

  @Command(
      name = "update",
      description =
          "Change when a schedule fires: a new cron expression (five fields, or @daily, @hourly...),"
              + " checked before anything is sent.")
  static final class Update implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "SCHEDULE",
        description = "PIPELINE/NAME, or NAME when unique.")
    String id;

    @Option(
        names = "--cron",
        required = true,
        paramLabel = "CRON",
        description = "The new schedule, e.g. \"0 3 * * MON-FRI\".")
    String cron;

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try (Workspace workspace = Workspace.open(project.project(), spec.commandLine().getErr())) {
        ScheduleRecord s = find(workspace, id);
        new StackRuns(workspace).orchestratorOf(s).updateSchedule(s, cron);
        spec.commandLine()
            .getOut()
            .println("Schedule " + s.pipeline() + "/" + s.name() + " now fires on " + cron.strip());
      }
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a schedule (runs it started are kept).")
  static final class Delete implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "SCHEDULE",
        description = "PIPELINE/NAME, or NAME when unique.")
    String id;

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try (Workspace workspace = Workspace.open(project.project(), spec.commandLine().getErr())) {
        ScheduleRecord s = find(workspace, id);
        new StackRuns(workspace).orchestratorOf(s).deleteSchedule(s);
        spec.commandLine().getOut().println("Deleted schedule " + s.pipeline() + "/" + s.name());
      }
      return 0;
    }
  }

  static Map<String, Object> json(ScheduleRecord s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pipeline", s.pipeline());
    m.put("name", s.name());
    m.put("cron", s.cron());
    m.put("paused", s.paused());
    m.put("stack", s.stack());
    m.put("orchestrator", s.orchestrator());
    m.put("location", s.location());
    m.put("createdAt", s.createdAt());
    return m;
  }
}
