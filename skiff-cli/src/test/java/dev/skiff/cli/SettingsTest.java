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
 * Settings of stack components, end to end: component configuration < pipeline settings < --set
 * (and the options that are shorthands for it) < step settings; the resolved settings records are
 * in the run's plan, complete; keys for flavors not in the stack warn, malformed keys and typos at
 * any depth fail with the closest key.
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

    // without the options, the plan holds the component's configuration, complete
    Result plain = runOk(Tiny.class, "--no-cache");
    assertThat(plan(plain.runId()).get("settings").get("orchestrator.local").toString())
        .isEqualTo("{\"isolation\":\"THREAD\",\"jvmArgs\":[],\"maxParallelism\":0}");
    assertThat(trainPid(plain)).isEqualTo(THIS_PID);

    // the options are shorthands for --set: the same keys, the same result
    Result set =
        runOk(
            Tiny.class,
            "--set",
            "enableCache=false",
            "--set",
            "orchestrator.local.isolation=process",
            "--set",
            "orchestrator.local.max_parallelism=1");
    assertThat(plan(set.runId()).get("settings").get("orchestrator.local")).isEqualTo(settings);
    assertThat(trainPid(set)).isNotEqualTo(THIS_PID);
  }

  @Test
  void setIsPipelineLevelOverTheCodeAndStepSettingsStillWin() {
    ok(
        "orchestrator",
        "register",
        "procs",
        "--flavor",
        "local",
        "--isolation=process",
        "--jvm-args=-Dskiff.level=component");
    ok("stack", "register", "procs", "-o", "procs", "-a", "default", "--set");

    // over the pipeline's settings in its main, under the step's own
    Result r =
        run(
            LevelsMain.class,
            "--no-cache",
            "--set",
            "orchestrator.local.jvmArgs=[\"-Dskiff.level=set\"]");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(level(r, "probe")).isEqualTo("set");
    assertThat(level(r, "probe_step")).isEqualTo("step");

    // a later --set of the same key wins over an option that is a shorthand for it
    Result threads =
        runOk(
            Levels.class,
            "--no-cache",
            "--isolation",
            "process",
            "--set",
            "orchestrator.local.isolation=thread");
    assertThat(pid(threads, "probe")).isEqualTo(THIS_PID);
  }

  @Test
  void setPipelineKeysChangeThePipelineSettings() {
    runOk(Tiny.class);
    Result again = runOk(Tiny.class, "--set", "enableCache=false", "--set", "maxParallelism=1");

    assertThat(again.out()).doesNotContain("cached");
    JsonNode plan = plan(again.runId());
    assertThat(plan.get("maxParallelism").asInt()).isEqualTo(1);
    assertThat(plan.get("steps").get(0).get("policy").get("enableCache").asBoolean()).isFalse();
  }

  @Test
  void badSetKeysAreOneLineErrorsNamingTheClosestKey() {
    assertOneLineError(
        run(Tiny.class, "--set", "orchestrator.local.isolaton=process"),
        "unknown key 'isolaton' for --set orchestrator.local: did you mean 'isolation'? (valid keys: isolation, maxParallelism, jvmArgs)");
    // nested settings, checked against the flavor's record even when the stack does not use it
    assertOneLineError(
        run(Tiny.class, "--set", "orchestrator.kubernetes.podSettings.nodeSelectr.disk=ssd"),
        "unknown key 'nodeSelectr' for --set orchestrator.kubernetes (podSettings): did you mean 'nodeSelector'?");
    assertOneLineError(
        run(
            Tiny.class,
            "--set",
            "orchestrator.kubernetes.podSettings={\"affinity\":{\"nodeAfinity\":{}}}"),
        "unknown key 'nodeAfinity' for --set orchestrator.kubernetes (podSettings.affinity): did you mean 'nodeAffinity'?");
    assertOneLineError(
        run(Tiny.class, "--set", "orchestrator.locl.isolation=process"),
        "unknown orchestrator flavor 'locl' in --set orchestrator.locl.isolation: did you mean 'local'? (installed: kubernetes, local)");
    assertOneLineError(
        run(Tiny.class, "--set", "orchestrater.local.isolation=process"),
        "unknown component 'orchestrater' in --set orchestrater.local.isolation: did you mean 'orchestrator'?");
    assertOneLineError(
        run(Tiny.class, "--set", "enable_cashe=false"),
        "unknown key 'enable_cashe' for --set: did you mean 'enableCache'?");
    assertOneLineError(
        run(Tiny.class, "--set", "orchestrator.local.maxParallelism=many"),
        "key 'maxParallelism' of --set orchestrator.local expects a whole number, got 'many'");
    assertOneLineError(
        run(Tiny.class, "--set", "failFast"),
        "--set expects KEY=VALUE such as orchestrator.local.maxParallelism=2, got 'failFast'");
    assertThat(runs("list", "-o", "json").json()).isEmpty();
  }

  @Test
  void aTypoInAComponentsNestedConfigurationIsRefused() {
    assertOneLineError(
        cli(
            "orchestrator",
            "register",
            "k8s",
            "--flavor",
            "kubernetes",
            "--pod-settings={\"nodeSelectr\":{\"disk\":\"ssd\"}}"),
        "unknown key 'nodeSelectr' for orchestrator flavor 'kubernetes' (podSettings): did you mean 'nodeSelector'?");
  }

  @Test
  void everyFlavorsSettingsArePartOfItsConfiguration() {
    var flavors = dev.skiff.core.stack.Flavors.load(SettingsTest.class.getClassLoader());
    assertThat(
            flavors.all().stream()
                .filter(f -> f.settingsType() != null)
                .map(f -> f.type().settingsPrefix() + "." + f.name()))
        .contains("orchestrator.local", "orchestrator.kubernetes", "container_registry.default");
    flavors
        .all()
        .forEach(
            f ->
                assertThat(dev.skiff.core.stack.SettingsResolver.settingsProblems(f))
                    .as("%s", f.name())
                    .isEmpty());
  }

  @Test
  void componentConfigurationThenPipelineSettingsThenStepSettings() {
    ok(
        "orchestrator",
        "register",
        "procs",
        "--flavor",
        "local",
        "--isolation=process",
        "--jvm-args=-Dskiff.level=component");
    ok("stack", "register", "procs", "-o", "procs", "-a", "default", "--set");

    // the component's configuration: every step in its own JVM with the component's flags,
    // except for the step that sets its own
    Result component = runOk(Levels.class, "--no-cache");
    assertThat(level(component, "probe")).isEqualTo("component");
    assertThat(level(component, "probe_step")).isEqualTo("step");
    assertThat(pid(component, "probe")).isNotEqualTo(THIS_PID);
    JsonNode plan = plan(component.runId());
    assertThat(plan.get("settings").get("orchestrator.local").get("isolation").asText())
        .isEqualTo("PROCESS");
    assertThat(
            step(plan, "probe")
                .get("settings")
                .get("orchestrator.local")
                .get("jvmArgs")
                .get(0)
                .asText())
        .isEqualTo("-Dskiff.level=component");
    assertThat(
            step(plan, "probe_step")
                .get("settings")
                .get("orchestrator.local")
                .get("jvmArgs")
                .get(0)
                .asText())
        .isEqualTo("-Dskiff.level=step");
    assertThat(
            step(plan, "probe_step")
                .get("settings")
                .get("orchestrator.local")
                .get("isolation")
                .asText())
        .isEqualTo("PROCESS");

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
  void resumeIsolationWinsOverTheRunsOwnSettings() {
    Resumable.reset(true);
    String fixed = run(Resumable.class, "--isolation", "thread").runId();

    // a step process has its own static state, where failB is false
    Result r = runs("resume", fixed, "--set", "orchestrator.local.isolation=process");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(Resumable.B_CALLS.get()).isEqualTo(1); // attempt 2 ran in its own JVM
    assertOneLineError(
        runs("resume", fixed, "--set", "enableCache=false"),
        "'enableCache' cannot change when a run resumes: it is fixed in the run's plan");
  }

  @Test
  void aSettingForAFlavorThatIsNotInTheStackIsAWarning() {
    Result r = runOk(ForKubernetes.class);

    assertThat(r.err().strip())
        .isEqualTo(
            "warning: setting 'orchestrator.kubernetes' of step 'work' is ignored: stack 'default' uses orchestrator flavor 'local'");
    assertThat(r.out()).contains("Run " + r.runId() + " succeeded");
    assertThat(plan(r.runId()).get("steps").get(0).get("settings").has("orchestrator.kubernetes"))
        .isFalse();
  }

  @Test
  void aMalformedSettingKeyIsAnError() {
    assertOneLineError(
        run(MalformedSetting.class),
        "malformed setting key 'kubernetes' of step 'work': use '<component>.<flavor>' such as 'orchestrator.kubernetes'");
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
