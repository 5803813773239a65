package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.CliPipelines.Tiny;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code skiff stack}: register, list, describe, set, update, copy, delete, and the default stack.
 */
class StackCommandTest extends CliTestSupport {

  @Test
  void initCreatesTheActiveDefaultStack() {
    assertThat(ok("stack", "list").outLines())
        .containsExactly(
            "ACTIVE  NAME     ORCHESTRATOR  ARTIFACT-STORE  CONTAINER-REGISTRY",
            "*       default  default       default");

    Result describe = ok("stack", "describe");
    assertThat(describe.outLines().get(0)).isEqualTo("Stack 'default' (active)");
    assertThat(describe.outLines().get(1)).matches("COMPONENT +NAME +FLAVOR +CONFIG");
    assertThat(describe.out()).containsPattern("(?m)^orchestrator +default +local$");
    assertThat(describe.out())
        .containsPattern(
            "(?m)^artifact-store +default +local +path=.*/project/\\.skiff/artifacts$");

    JsonNode json = ok("stack", "describe", "-o", "json").json();
    assertThat(json.get("name").asText()).isEqualTo("default");
    assertThat(json.get("active").asBoolean()).isTrue();
    assertThat(json.get("components")).hasSize(2);
    assertThat(json.get("components").get(0).get("type").asText()).isEqualTo("orchestrator");
    assertThat(json.get("components").get(1).get("type").asText()).isEqualTo("artifact-store");
    assertThat(json.get("components").get(1).get("flavor").asText()).isEqualTo("local");
  }

  @Test
  void aProjectFromBeforeStacksGetsTheDefaultStackOnFirstUse() throws IOException {
    Path old = tmp.resolve("old");
    Files.createDirectories(old.resolve(".skiff"));

    Result r = skiff("stack", "list", "-o", "json", "--project", old.toString());

    JsonNode stacks = r.json();
    assertThat(stacks).hasSize(1);
    assertThat(stacks.get(0).get("name").asText()).isEqualTo("default");
    assertThat(stacks.get(0).get("active").asBoolean()).isTrue();
  }

  @Test
  void registerListDescribeSetUpdateCopyDelete() {
    ok("orchestrator", "register", "procs", "--flavor", "local", "--isolation=process");
    ok(
        "artifact-store",
        "register",
        "elsewhere",
        "--flavor",
        "local",
        "--path=" + tmp.resolve("elsewhere"));

    Result reg = ok("stack", "register", "mine", "-o", "procs", "-a", "elsewhere");
    assertThat(reg.out().strip())
        .isEqualTo("Registered stack 'mine': orchestrator 'procs', artifact-store 'elsewhere'.");
    assertThat(ok("stack", "list").outLines())
        .containsExactly(
            "ACTIVE  NAME     ORCHESTRATOR  ARTIFACT-STORE  CONTAINER-REGISTRY",
            "*       default  default       default",
            "        mine     procs         elsewhere");

    Result describe = ok("stack", "describe", "mine");
    assertThat(describe.outLines().get(0)).isEqualTo("Stack 'mine'");
    assertThat(describe.out())
        .containsPattern("(?m)^orchestrator +procs +local +isolation=process$");
    assertThat(describe.out())
        .containsPattern("(?m)^artifact-store +elsewhere +local +path=.*/elsewhere$");

    Result set = ok("stack", "set", "mine");
    assertThat(set.out().strip())
        .isEqualTo("Active stack: 'mine' (orchestrator 'procs', artifact-store 'elsewhere').");
    assertThat(ok("stack", "describe").outLines().get(0)).isEqualTo("Stack 'mine' (active)");
    JsonNode list = ok("stack", "list", "-o", "json").json();
    assertThat(list.get(0).get("active").asBoolean()).isFalse();
    assertThat(list.get(1).get("active").asBoolean()).isTrue();
    assertThat(list.get(1).get("components").get("orchestrator").asText()).isEqualTo("procs");
    assertThat(list.get(1).get("components").get("artifact-store").asText()).isEqualTo("elsewhere");

    Result update = ok("stack", "update", "mine", "--orchestrator", "default");
    assertThat(update.out().strip())
        .isEqualTo("Updated stack 'mine': orchestrator 'default', artifact-store 'elsewhere'.");
    assertThat(ok("stack", "describe", "mine", "-o", "json").json().get("updatedAt").isNull())
        .isFalse();

    Result copy = ok("stack", "copy", "mine", "theirs");
    assertThat(copy.out().strip())
        .isEqualTo(
            "Copied stack 'mine' to 'theirs': orchestrator 'default', artifact-store 'elsewhere'.");
    ok("stack", "update", "theirs", "-a", "default", "-o", "procs");
    assertThat(
            ok("stack", "describe", "theirs", "-o", "json")
                .json()
                .get("components")
                .get(0)
                .get("name")
                .asText())
        .isEqualTo("procs");
    assertThat(
            ok("stack", "describe", "mine", "-o", "json")
                .json()
                .get("components")
                .get(0)
                .get("name")
                .asText())
        .isEqualTo("default");

    assertThat(ok("stack", "delete", "theirs").out().strip()).isEqualTo("Deleted stack 'theirs'.");
    assertThat(ok("stack", "list", "-o", "json").json()).hasSize(2);
    // its components stay registered
    assertThat(ok("orchestrator", "list", "-o", "json").json()).hasSize(2);
  }

  @Test
  void registerWithSetActivatesTheStack() {
    Result r =
        ok(
            "stack",
            "register",
            "next",
            "--orchestrator",
            "default",
            "--artifact-store",
            "default",
            "--set");

    assertThat(r.outLines())
        .containsExactly(
            "Registered stack 'next': orchestrator 'default', artifact-store 'default'.",
            "Active stack: 'next'.");
    assertThat(ok("stack", "describe").outLines().get(0)).isEqualTo("Stack 'next' (active)");
    assertThat(runOk(Tiny.class).outLines().get(0))
        .startsWith("Running pipeline tiny on stack 'next' (run ");
  }

  @Test
  void anEmptyContainerRegistryRemovesIt() {
    // no container-registry flavor is installed, so only removal can be shown
    ok("stack", "register", "s", "-o", "default", "-a", "default");
    ok("stack", "update", "s", "-c", "");
    assertThat(ok("stack", "describe", "s", "-o", "json").json().get("components")).hasSize(2);
    assertOneLineError(
        cli("stack", "update", "s", "-c", "registry"), "no container-registry named 'registry'");
  }

  @Test
  void theActiveStackCannotBeDeleted() {
    assertOneLineError(
        cli("stack", "delete", "default"),
        "stack 'default' is the active stack: 'skiff stack set' another one first");

    ok("stack", "register", "other", "-o", "default", "-a", "default", "--set");
    assertOneLineError(cli("stack", "delete", "other"), "stack 'other' is the active stack");
    ok("stack", "delete", "default");

    // a deleted default stack stays deleted
    assertThat(ok("stack", "list", "-o", "json").json()).hasSize(1);
    runOk(Tiny.class);
    assertThat(ok("stack", "list", "-o", "json").json()).hasSize(1);
  }

  @Test
  void stackErrorsAreOneLine() {
    assertOneLineError(
        cli("stack", "register", "s", "-a", "default"),
        "stack 's' needs an orchestrator (--orchestrator NAME)");
    assertOneLineError(
        cli("stack", "register", "s", "-o", "default"),
        "stack 's' needs an artifact-store (--artifact-store NAME)");
    assertOneLineError(
        cli("stack", "register", "s", "-o", "nope", "-a", "default"),
        "no orchestrator named 'nope': see 'skiff orchestrator list'");
    assertOneLineError(
        cli("stack", "register", "default", "-o", "default", "-a", "default"),
        "stack 'default' exists already");
    assertOneLineError(
        cli("stack", "register", "bad name", "-o", "default", "-a", "default"),
        "stack name 'bad name' is invalid");
    assertOneLineError(
        cli("stack", "set", "nope"), "no stack named 'nope': see 'skiff stack list'");
    assertOneLineError(cli("stack", "describe", "nope"), "no stack named 'nope'");
    assertOneLineError(
        cli("stack", "update", "default"),
        "nothing to change: give -o ORCHESTRATOR, -a ARTIFACT_STORE or -c CONTAINER_REGISTRY");
    assertOneLineError(cli("stack", "update", "nope", "-o", "default"), "no stack named 'nope'");
    assertOneLineError(cli("stack", "copy", "nope", "x"), "no stack named 'nope'");
    assertOneLineError(
        cli("stack", "copy", "default", "default"), "stack 'default' exists already");
    assertOneLineError(cli("stack", "delete", "nope"), "no stack named 'nope'");
    assertThat(ok("stack", "list", "-o", "json").json()).hasSize(1);
  }
}
