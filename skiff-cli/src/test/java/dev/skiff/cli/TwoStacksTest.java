package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.CliPipelines.Resumable;
import dev.skiff.cli.CliPipelines.Tiny;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same pipeline on two stacks with two local artifact stores, selected only with {@code skiff
 * stack set}: each run writes to its stack's store, cache hits stay within a store, and a run's
 * logs and artifacts are read from the store it used after the active stack changed.
 */
class TwoStacksTest extends CliTestSupport {
  private static final List<String> TINY_STEPS = List.of("load", "train", "evaluate");
  private static final Path DIGITS_JAR =
      Path.of("../examples/digits/target/digits.jar").toAbsolutePath().normalize();
  Path storeA;
  Path storeB;

  @BeforeEach
  void twoStacks() {
    storeA = tmp.resolve("store-a");
    storeB = tmp.resolve("store-b");
    ok("artifact-store", "register", "store_a", "--flavor", "local", "--path=" + storeA);
    ok("artifact-store", "register", "store_b", "--flavor", "local", "--path=" + storeB);
    ok("stack", "register", "stack_a", "-o", "default", "-a", "store_a", "--set");
    ok("stack", "register", "stack_b", "-o", "default", "-a", "store_b");
  }

  @Test
  void theSamePipelineRunsOnEitherStackSelectedWithStackSet() throws Exception {
    Result first = runOk(Tiny.class);
    String runA = first.runId();
    assertThat(first.outLines().get(0))
        .isEqualTo("Running pipeline tiny on stack 'stack_a' (run " + runA + ", 3 steps)");
    assertThat(storeA.resolve("runs/" + runA + "/load/1/train")).isRegularFile();
    assertThat(storeB.resolve("runs")).doesNotExist();

    ok("stack", "set", "stack_b");
    Result second = runOk(Tiny.class);
    String runB = second.runId();

    assertThat(second.outLines().get(0))
        .isEqualTo("Running pipeline tiny on stack 'stack_b' (run " + runB + ", 3 steps)");
    // not served from the first store's cache: every step ran and wrote into store B
    for (String step : TINY_STEPS) {
      assertThat(second.out()).containsPattern(stepLine(step, "started"));
    }
    assertThat(second.out()).doesNotContain("cached");
    assertThat(storeB.resolve("runs/" + runB + "/load/1/train")).isRegularFile();
    assertThat(storeA.resolve("runs/" + runB)).doesNotExist();
    assertThat(project.resolve(".skiff/artifacts/runs")).doesNotExist();

    // the first run's logs and artifacts are still read from store A
    assertThat(ok("runs", "logs", runA, "evaluate").outLines()).contains("accuracy: 0.875");
    String trained = artifactId(runA, "train", "output");
    Result show = ok("artifacts", "show", trained);
    assertThat(show.out())
        .containsPattern(
            "(?m)^uri: +"
                + Pattern.quote(storeA.toUri().toString())
                + "runs/"
                + Pattern.quote(runA)
                + "/train/1/output$");
    assertThat(show.out().strip()).endsWith("15");
    Path saved = tmp.resolve("saved");
    ok("artifacts", "show", trained, "--save", saved.toString());
    assertThat(Files.readAllBytes(saved))
        .isEqualTo(Files.readAllBytes(storeA.resolve("runs/" + runA + "/train/1/output")));

    // cache hits are scoped to the store: B reuses B's run, A reuses A's
    Result thirdOnB = runOk(Tiny.class);
    for (String step : TINY_STEPS) {
      assertThat(thirdOnB.out())
          .containsPattern(
              stepLine(step, "cached \\(outputs of run " + Pattern.quote(runB) + "\\)"));
    }
    ok("stack", "set", "stack_a");
    Result fourthOnA = runOk(Tiny.class);
    for (String step : TINY_STEPS) {
      assertThat(fourthOnA.out())
          .containsPattern(
              stepLine(step, "cached \\(outputs of run " + Pattern.quote(runA) + "\\)"));
    }

    // run history records the stack of each run
    JsonNode runs = ok("runs", "list", "-o", "json").json();
    assertThat(runs)
        .extracting(r -> r.get("stack").asText())
        .containsExactly("stack_a", "stack_b", "stack_b", "stack_a");
  }

  @Test
  void aRunResumesOnItsOwnStackNotTheActiveOne() {
    Resumable.reset(true);
    Result failed = run(Resumable.class);
    assertThat(failed.exitCode()).as("%s", failed).isEqualTo(1);
    String id = failed.runId();

    ok("stack", "set", "stack_b");
    Resumable.failB = false;
    Result resumed = runs("resume", id);

    assertThat(resumed.exitCode()).as("%s", resumed).isZero();
    assertThat(resumed.outLines())
        .contains("Resuming pipeline resumable on stack 'stack_a' (run " + id + ", 3 steps)");
    assertThat(resumed.out()).containsPattern(stepLine("a", "kept outputs of the earlier attempt"));
    assertThat(storeA.resolve("runs/" + id + "/c/1/output")).isRegularFile();
    assertThat(storeB.resolve("runs")).doesNotExist();
    assertThat(resumed.err()).isEmpty();
  }

  @Test
  void aRunWhoseStackWasDeletedResumesOnTheActiveStackWithAWarning() {
    ok("orchestrator", "register", "threads", "--flavor", "local");
    ok("stack", "register", "short_lived", "-o", "threads", "-a", "default", "--set");
    Resumable.reset(true);
    String id = run(Resumable.class).runId();
    ok("stack", "set", "default");
    ok("stack", "delete", "short_lived");

    Resumable.failB = false;
    Result resumed = runs("resume", id);

    assertThat(resumed.exitCode()).as("%s", resumed).isZero();
    assertThat(resumed.err().strip())
        .isEqualTo(
            "warning: stack 'short_lived' of run "
                + id
                + " no longer exists: using the active stack 'default'");
    assertThat(resumed.out()).contains("Run " + id + " succeeded");
  }

  @Test
  void artifactsAreFoundAfterTheStackChangedItsArtifactStore() {
    String id = runOk(Tiny.class).runId();
    ok("stack", "update", "stack_a", "-a", "store_b");

    assertThat(ok("runs", "logs", id, "evaluate").outLines()).contains("accuracy: 0.875");
    assertThat(ok("artifacts", "show", artifactId(id, "train", "output")).out().strip())
        .endsWith("15");
  }

  /** The flagship pipeline, when its jar was built: the same on both stacks. */
  @Test
  void digitsRunsOnBothStacks() {
    assumeTrue(Files.isRegularFile(DIGITS_JAR), "examples/digits is not built");
    String pipeline = "dev.skiff.examples.digits.DigitsPipeline";

    Result onA = ok("run", "--classpath", DIGITS_JAR.toString(), pipeline);
    ok("stack", "set", "stack_b");
    Result onB = ok("run", "--classpath", DIGITS_JAR.toString(), pipeline);
    Result againOnB = ok("run", "--classpath", DIGITS_JAR.toString(), pipeline);

    assertThat(onA.outLines().get(0)).startsWith("Running pipeline digits on stack 'stack_a'");
    assertThat(onB.outLines().get(0)).startsWith("Running pipeline digits on stack 'stack_b'");
    for (Result r : List.of(onA, onB)) {
      assertThat(r.out()).containsPattern("(?m)^evaluator +\\| Test accuracy: 0\\.9");
      assertThat(r.out())
          .doesNotContainPattern("(?m)^(importer|trainer|evaluator|skew_comparison) +\\| cached");
    }
    assertThat(againOnB.out())
        .containsPattern("(?m)^(importer|trainer|evaluator|skew_comparison) +\\| cached");
    assertThat(storeA.resolve("runs/" + onA.runId())).isDirectory();
    assertThat(storeB.resolve("runs/" + onB.runId())).isDirectory();
  }

  private String artifactId(String run, String step, String name) {
    for (JsonNode a : ok("artifacts", "list", "--run", run, "-o", "json").json()) {
      if (a.get("step").asText().equals(step) && a.get("name").asText().equals(name)) {
        return a.get("id").asText();
      }
    }
    throw new AssertionError("no artifact " + step + "/" + name + " in run " + run);
  }
}
