package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.Pipeline;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Run configuration end to end: {@code skiff run -p STEP.PARAM=VALUE} and {@code --config FILE}
 * change parameter values and settings by step name, typed and checked at compile time; the values
 * are in the stored plan and in the cache keys of exactly the affected steps; {@code
 * Pipeline.withConfig(Path)} applies the same file from a user's main.
 */
public class RunConfigTest extends CliTestSupport {
  public record TrainConfig(double rate, int epochs) {}

  /** load ──► train(config) ──► evaluate; label(prefix) on its own. */
  public static final class Configured implements PipelineDefinition {
    public Configured() {}

    @Override
    public String name() {
      return "configured";
    }

    static int[] load(long seed) {
      return new int[] {(int) seed, 2, 3};
    }

    static double train(int[] rows, TrainConfig config) {
      return rows.length * config.rate() * config.epochs();
    }

    static String evaluate(double model) {
      return "score " + model;
    }

    static String label(String prefix) {
      return prefix + "-label";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<int[]> rows = p.step("load", Configured::load, Param.of(42L));
      Out<Double> model =
          p.step("train", Configured::train, rows, Param.of(new TrainConfig(0.1, 3)));
      p.step("evaluate", Configured::evaluate, model);
      p.step("label", Configured::label, Param.of("run"));
    }
  }

  /** A user's own main: runs {@link Configured} with the config file given as first argument. */
  public static final class ConfiguredMain {
    private ConfiguredMain() {}

    public static void main(String[] args) {
      Pipeline.of(new Configured()).withConfig(Path.of(args[0])).run();
    }
  }

  private JsonNode plan(String runId) {
    return runs("describe", runId, "-o", "json").json().get("plan");
  }

  private static JsonNode param(JsonNode plan, String step, String name) {
    for (JsonNode s : plan.get("steps")) {
      if (s.get("name").asText().equals(step)) {
        for (JsonNode in : s.get("inputs")) {
          if (in.get("name").asText().equals(name)) {
            return in.get("value");
          }
        }
      }
    }
    throw new AssertionError("no parameter " + step + "." + name + " in " + plan);
  }

  private Path file(String name, String text) throws Exception {
    return Files.writeString(tmp.resolve(name), text);
  }

  @Test
  void aConfigFileOverrideChangesOnlyTheAffectedStepsCacheKeys() throws Exception {
    String first = runOk(Configured.class).runId();
    Path yaml = file("run.yaml", "parameters:\n  train:\n    config:\n      rate: 0.5\n");

    Result second = runOk(Configured.class, "--config", yaml.toString());

    // train's parameter changed: it runs again, and so does evaluate (its input's content changed)
    assertThat(second.out()).containsPattern(stepLine("load", "cached .*" + first + ".*"));
    assertThat(second.out()).containsPattern(stepLine("label", "cached .*" + first + ".*"));
    assertThat(second.out()).doesNotContainPattern(stepLine("train", "cached .*"));
    assertThat(second.out()).doesNotContainPattern(stepLine("evaluate", "cached .*"));
    assertThat(param(plan(second.runId()), "train", "config").toString())
        .isEqualTo("{\"epochs\":3,\"rate\":0.5}");

    // the same configuration again: every step is cached
    Result third = runOk(Configured.class, "--config", yaml.toString());
    for (String step : new String[] {"load", "train", "evaluate", "label"}) {
      assertThat(third.out()).containsPattern(stepLine(step, "cached .*"));
    }
  }

  @Test
  void dashPWinsOverTheFileAndIsTyped() throws Exception {
    Path yaml =
        file(
            "run.yaml",
            "parameters:\n  train: {config: {rate: 0.5, epochs: 4}}\n"
                + "settings:\n  orchestrator.local: {maxParallelism: 2}\n"
                + "steps:\n  train:\n    settings:\n      orchestrator.local: {jvmArgs: [-Xmx1g]}\n");

    Result r =
        runOk(
            Configured.class,
            "--config",
            yaml.toString(),
            "-p",
            "train.config.epochs=\"7\"",
            "--param",
            "load.seed=7",
            "-p",
            "label.prefix=nightly",
            "--set",
            "orchestrator.local.maxParallelism=3");

    JsonNode plan = plan(r.runId());
    assertThat(param(plan, "train", "config").toString()).isEqualTo("{\"epochs\":7,\"rate\":0.5}");
    assertThat(param(plan, "load", "seed").asLong()).isEqualTo(7);
    assertThat(param(plan, "label", "prefix").asText()).isEqualTo("nightly");
    assertThat(plan.get("settings").get("orchestrator.local").get("maxParallelism").asInt())
        .isEqualTo(3);
    for (JsonNode s : plan.get("steps")) {
      assertThat(s.get("settings").get("orchestrator.local").get("jvmArgs").toString())
          .as(s.get("name").asText())
          .isEqualTo(s.get("name").asText().equals("train") ? "[\"-Xmx1g\"]" : "[]");
    }

    // a dry run shows the same plan, and records nothing
    Result dry = runOk(Configured.class, "--dry-run", "-p", "label.prefix=dry");
    assertThat(dry.out()).contains("\"value\":\"dry\"");
  }

  @Test
  void unknownNamesAndBadValuesAreOneLineErrors() throws Exception {
    assertOneLineError(
        run(Configured.class, "-p", "trian.config.rate=1"),
        "unknown step 'trian' in -p trian.config.rate=1: did you mean 'train'? (steps of pipeline"
            + " 'configured': load, train, evaluate, label)");
    assertOneLineError(
        run(Configured.class, "-p", "train.confg.rate=1"),
        "unknown parameter 'confg' of step 'train' in -p train.confg.rate=1: did you mean"
            + " 'config'? (parameters: config)");
    assertOneLineError(
        run(Configured.class, "-p", "train.config.rat=1"),
        "unknown key 'rat' in parameter 'config' of step 'train' (-p train.config.rat=1): did you"
            + " mean 'rate'? (valid keys: rate, epochs)");
    assertOneLineError(
        run(Configured.class, "-p", "train.config.epochs=many"),
        "parameter 'config' of step 'train' (-p train.config.epochs=many) expects"
            + " RunConfigTest.TrainConfig, got {\"epochs\":\"many\",\"rate\":0.1}: ");
    Path yaml = file("bad.yaml", "parameters: {train: {config: {rate: 1}}}\nsetings: {}\n");
    assertOneLineError(
        run(Configured.class, "--config", yaml.toString()),
        "unknown key 'setings' in --config "
            + yaml
            + ": did you mean 'settings'? (valid keys: parameters, settings, steps)");
    Path key = file("key.yaml", "settings: {orchestrator.local: {isolaton: process}}\n");
    assertOneLineError(
        run(Configured.class, "--config", key.toString()),
        "unknown key 'isolaton' for --config "
            + key
            + " orchestrator.local: did you mean 'isolation'?");
    assertThat(runs("list", "-o", "json").json()).isEmpty();
  }

  @Test
  void withConfigAppliesTheFileFromAUsersMain() throws Exception {
    Path yaml = file("main.yaml", "parameters: {label: {prefix: from-main}}\n");

    Result r = run(ConfiguredMain.class, yaml.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(param(plan(r.runId()), "label", "prefix").asText()).isEqualTo("from-main");

    // the command line's -p wins over the main's file
    Result over = run(ConfiguredMain.class, yaml.toString(), "-p", "label.prefix=cli");
    assertThat(over.exitCode()).as("%s", over).isZero();
    assertThat(param(plan(over.runId()), "label", "prefix").asText()).isEqualTo("cli");
  }
}
