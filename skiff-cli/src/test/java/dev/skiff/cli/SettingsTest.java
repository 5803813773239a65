package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.CliPipelines.ForKubernetes;
import dev.skiff.cli.CliPipelines.Levels;
import dev.skiff.cli.CliPipelines.LevelsMain;
import dev.skiff.cli.CliPipelines.MalformedSetting;
import dev.skiff.cli.CliPipelines.Resumable;
import dev.skiff.cli.CliPipelines.Tiny;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Settings of stack components, end to end: component configuration < pipeline settings < step
 * settings; the resolved settings are in the run's plan; keys for flavors not in the stack warn,
 * malformed keys fail.
 */
class SettingsTest extends CliTestSupport {
  private static final long THIS_PID = ProcessHandle.current().pid();

  @Test
  void runOptionsArePipelineSettingsOfTheLocalOrchestrator() {
    Result r = runOk(Tiny.class, "--isolation", "process", "--max-parallelism", "1");

    assertThat(trainPid(r)).isNotEqualTo(THIS_PID);
    JsonNode settings = plan(r.runId()).get("settings").get("orchestrator.local");
    assertThat(settings.get("isolation").asText()).isEqualTo("PROCESS");
    assertThat(settings.get("maxParallelism").asInt()).isEqualTo(1);
    assertThat(r.err()).isEmpty();

    // without the options, the plan has no local settings: the component's configuration applies
    Result plain = runOk(Tiny.class, "--no-cache");
    assertThat(plan(plain.runId()).get("settings").has("orchestrator.local")).isFalse();
    assertThat(trainPid(plain)).isEqualTo(THIS_PID);
  }

  @Test
  void componentConfigurationThenPipelineSettingsThenStepSettings() {
    ok("orchestrator", "register", "procs", "--flavor", "local", "--isolation=process", "--jvm-args=-Dskiff.level=component");
    ok("stack", "register", "procs", "-o", "procs", "-a", "default", "--set");

    // the component's configuration: every step in its own JVM with the component's flags,
    // except for the step that sets its own
    Result component = runOk(Levels.class, "--no-cache");
    assertThat(level(component, "probe")).isEqualTo("component");
    assertThat(level(component, "probe_step")).isEqualTo("step");
    assertThat(pid(component, "probe")).isNotEqualTo(THIS_PID);
    JsonNode plan = plan(component.runId());
    assertThat(plan.get("settings").get("orchestrator.local").get("isolation").asText()).isEqualTo("PROCESS");
    assertThat(step(plan, "probe").get("settings").get("orchestrator.local").get("jvmArgs").get(0).asText()).isEqualTo("-Dskiff.level=component");
    assertThat(step(plan, "probe_step").get("settings").get("orchestrator.local").get("jvmArgs").get(0).asText()).isEqualTo("-Dskiff.level=step");
    assertThat(step(plan, "probe_step").get("settings").get("orchestrator.local").get("isolation").asText()).isEqualTo("PROCESS");

    // pipeline settings (set in the pipeline's main) override the component's
    Result pipeline = run(LevelsMain.class, "--no-cache");
    assertThat(pipeline.exitCode()).as("%s", pipeline).isZero();
    assertThat(level(pipeline, "probe")).isEqualTo("pipeline");
    assertThat(level(pipeline, "probe_step")).isEqualTo("step");

    // and options of 'skiff run' override both: back in threads of this JVM
    Result threads = runOk(Levels.class, "--no-cache", "--isolation", "thread");
    assertThat(pid(threads, "probe")).isEqualTo(THIS_PID);
    assertThat(level(threads, "probe")).isEqualTo("null");
  }

  @Test
  void resumeIsolationChangesTheOrchestratorButNotTheRunsOwnSettings() {
    Resumable.reset(true);
    String fixed = run(Resumable.class, "--isolation", "thread").runId();
    Resumable.failB = false;

    Result r = runs("resume", fixed, "--isolation", "process");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.err().strip()).isEqualTo(
        "warning: run " + fixed + " was started with setting orchestrator.local isolation=thread, which a resume keeps: --isolation is ignored");
    assertThat(Resumable.B_CALLS.get()).isEqualTo(2); // attempt 2 ran in this JVM's threads
  }

  @Test
  void aSettingForAFlavorThatIsNotInTheStackIsAWarning() {
    Result r = runOk(ForKubernetes.class);

    assertThat(r.err().strip()).isEqualTo(
        "warning: setting 'orchestrator.kubernetes' of step 'work' is ignored: stack 'default' uses orchestrator flavor 'local'");
    assertThat(r.out()).contains("Run " + r.runId() + " succeeded");
    assertThat(plan(r.runId()).get("steps").get(0).get("settings").has("orchestrator.kubernetes")).isFalse();
  }

  @Test
  void aMalformedSettingKeyIsAnError() {
    assertOneLineError(run(MalformedSetting.class), "malformed setting key 'kubernetes' of step 'work': use '<component>.<flavor>' such as 'orchestrator.kubernetes'");
    assertThat(runs("list", "-o", "json").json()).isEmpty();
  }

  @Test
  void anInvalidSettingValueIsAnError() {
    Result r = run(Tiny.class, "--max-parallelism", "-1");
    assertOneLineError(r, "--max-parallelism must be 0 (no limit) or positive, got -1");
  }

  private JsonNode plan(String runId) {
    return runs("describe", runId, "-o", "json").json().get("plan");
  }

  private static JsonNode step(JsonNode plan, String name) {
    for (JsonNode s : plan.get("steps")) {
      if (s.get("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no step " + name + " in " + plan);
  }

  private static String level(Result r, String step) {
    return probe(r, step).group(1);
  }

  private static long pid(Result r, String step) {
    return Long.parseLong(probe(r, step).group(2));
  }

  private static Matcher probe(Result r, String step) {
    Matcher m = Pattern.compile("(?m)^" + step + " +\\| level=(\\S+) pid=(\\d+)$").matcher(r.out());
    assertThat(m.find()).as("%s", r).isTrue();
    return m;
  }

  private static long trainPid(Result r) {
    Matcher m = Pattern.compile("trained on \\d+ rows in pid (\\d+)").matcher(r.out());
    assertThat(m.find()).as("%s", r).isTrue();
    return Long.parseLong(m.group(1));
  }
}
