package dev.skiff.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.Flavors;
import dev.skiff.core.stack.ResolvedComponent;
import dev.skiff.core.stack.ResolvedStack;
import dev.skiff.core.stack.SettingOverrides;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local orchestrator takes isolation, parallelism and each step's JVM flags from the settings
 * resolved into the plan (component configuration &lt; pipeline &lt; step), not from the
 * configuration it was made with; secret references in the flags are resolved only at launch.
 */
class SettingsFromPlanTest {
  @TempDir Path dir;
  LocalHarness h;

  @BeforeEach
  void setUp() {
    h = new LocalHarness(dir);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  public static final class Levels implements PipelineDefinition {
    @Override
    public String name() {
      return "levels";
    }

    static int probe() {
      System.out.println(
          "level="
              + System.getProperty("skiff.level")
              + " secret="
              + System.getProperty("skiff.secret")
              + " pid="
              + ProcessHandle.current().pid());
      return 1;
    }

    static int probeStep() {
      return probe() + 1;
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("probe", Levels::probe);
      p.step("probe_step", Levels::probeStep)
          .configure(
              s ->
                  s.setting(
                      "orchestrator.local",
                      Map.of(
                          "jvmArgs",
                          List.of("-Dskiff.level=step", "-Dskiff.secret={{secret.s.k}}"))));
    }
  }

  static ResolvedStack stack() {
    ObjectNode config = JsonNodeFactory.instance.objectNode().put("isolation", "PROCESS");
    config.putArray("jvmArgs").add("-Dskiff.level=component");
    ComponentRecord c =
        new ComponentRecord(
            ComponentType.ORCHESTRATOR, "procs", "local", config, Instant.EPOCH, null);
    return new ResolvedStack(
        "procs",
        Map.of(
            ComponentType.ORCHESTRATOR, new ResolvedComponent(c, new LocalOrchestratorFlavor())));
  }

  LocalOrchestrator orchestrator() {
    // configured for threads: only the plan can send the steps to processes
    return new LocalOrchestrator(
        h.store,
        h.artifacts,
        LocalOrchestratorConfig.DEFAULTS,
        h.materializers,
        LocalHarness.class.getClassLoader(),
        new LocalOrchestrator.StoreAddresses(
            "jdbc:sqlite:" + dir.resolve("skiff.db"),
            dir.resolve("artifacts").toUri().toString(),
            System.getProperty("java.class.path")),
        text -> text.replace("{{secret.s.k}}", "opened"));
  }

  String line(String step) {
    return h.events(RunEvent.StepLogLine.class).stream()
        .filter(e -> e.step().equals(step) && e.line().startsWith("level="))
        .map(RunEvent.StepLogLine::line)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void stepsRunAsTheResolvedSettingsInThePlanSay() {
    RunPlan plan =
        new PlanCompiler(h.materializers).compile(new Levels(), PipelineSettings.DEFAULTS, stack());
    assertThat(plan.setting("orchestrator.local", LocalOrchestratorConfig.class))
        .contains(
            new LocalOrchestratorConfig(Isolation.PROCESS, 0, List.of("-Dskiff.level=component")));
    assertThat(plan.toJson()).contains("{{secret.s.k}}").doesNotContain("opened");

    var result = orchestrator().run(plan, h.listener());

    assertThat(result.status()).as("%s", h.events).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(line("probe"))
        .startsWith("level=component secret=null pid=")
        .doesNotEndWith("pid=" + ProcessHandle.current().pid());
    assertThat(line("probe_step")).startsWith("level=step secret=opened pid=");
  }

  @Test
  void aResumeRunsWithTheSettingsItIsGiven() {
    RunPlan plan =
        new PlanCompiler(h.materializers)
            .compile(
                new Levels(), PipelineSettings.newBuilder().enableCache(false).build(), stack());
    String runId = orchestrator().run(plan, h.listener()).runId();
    h.store.updateRun(runId, RunStatus.FAILED, Instant.now(), "for the test");
    h.events.clear();

    var flavors = Flavors.of(List.of(new LocalOrchestratorFlavor()));
    RunPlan threads =
        new PlanCompiler(h.materializers)
            .override(
                plan,
                stack(),
                SettingOverrides.parse(
                    flavors,
                    List.of(
                        SettingOverrides.Assignment.set("orchestrator.local.isolation=thread"))));
    var resumed = orchestrator().resume(runId, threads, h.listener());

    assertThat(resumed.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(
            threads
                .step("probe_step")
                .setting("orchestrator.local", LocalOrchestratorConfig.class)
                .orElseThrow()
                .isolation())
        .isEqualTo(Isolation.THREAD);
  }
}
