package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code skiff orchestrator|artifact-store|container-registry}: register, list, describe, update,
 * delete, flavor list.
 */
class ComponentCommandsTest extends CliTestSupport {

  @Test
  void aNewProjectHasTheDefaultComponents() {
    assertThat(ok("orchestrator", "list").outLines())
        .containsExactly("NAME     FLAVOR  USED-BY-STACKS", "default  local   default");
    assertThat(ok("artifact-store", "list").outLines())
        .containsExactly("NAME     FLAVOR  USED-BY-STACKS", "default  local   default");

    Result store = ok("artifact-store", "describe", "default");
    assertThat(store.out())
        .contains("artifact-store 'default'", "  flavor:   local", "  stacks:   default")
        .containsPattern(
            "(?m)^    path +"
                + java.util.regex.Pattern.quote(
                    project.resolve(".skiff/artifacts").toAbsolutePath().normalize().toString())
                + "$");
    Result orchestrator = ok("orchestrator", "describe", "default");
    assertThat(orchestrator.out())
        .containsPattern("(?m)^    isolation +thread \\(default\\)$")
        .containsPattern("(?m)^    maxParallelism +0 \\(default\\)$")
        .containsPattern("(?m)^    jvmArgs +\\(empty\\) \\(default\\)$");
  }

  @Test
  void orchestratorRegisterListDescribeUpdateDelete() {
    Result reg =
        ok(
            "orchestrator",
            "register",
            "procs",
            "--flavor",
            "local",
            "--isolation=process",
            "--max-parallelism=2",
            "--jvm-args=-Xmx256m,-Dx=y");
    assertThat(reg.out().strip()).isEqualTo("Registered orchestrator 'procs' (flavor local).");
    assertThat(reg.err()).isEmpty();

    assertThat(ok("orchestrator", "list").outLines())
        .containsExactly(
            "NAME     FLAVOR  USED-BY-STACKS", "default  local   default", "procs    local");
    JsonNode list = ok("orchestrator", "list", "-o", "json").json();
    assertThat(list).hasSize(2);
    JsonNode procs = list.get(1);
    assertThat(procs.get("name").asText()).isEqualTo("procs");
    assertThat(procs.get("type").asText()).isEqualTo("orchestrator");
    assertThat(procs.get("flavor").asText()).isEqualTo("local");
    assertThat(procs.get("stacks")).isEmpty();
    // values are stored typed
    assertThat(procs.get("config").get("isolation").asText()).isEqualTo("PROCESS");
    assertThat(procs.get("config").get("maxParallelism").isInt()).isTrue();
    assertThat(procs.get("config").get("maxParallelism").asInt()).isEqualTo(2);
    assertThat(texts(procs.get("config").get("jvmArgs"))).containsExactly("-Xmx256m", "-Dx=y");

    Result describe = ok("orchestrator", "describe", "procs");
    assertThat(describe.out())
        .contains("orchestrator 'procs'", "  flavor:   local", "  stacks:   (none)")
        .containsPattern("(?m)^    isolation +process$")
        .containsPattern("(?m)^    maxParallelism +2$")
        .containsPattern("(?m)^    jvmArgs +-Xmx256m,-Dx=y$");
    JsonNode describeJson = ok("orchestrator", "describe", "procs", "-o", "json").json();
    assertThat(describeJson.get("config")).isEqualTo(procs.get("config"));

    Result update =
        ok("orchestrator", "update", "procs", "--max_parallelism=4", "--remove", "jvmArgs");
    assertThat(update.out().strip()).isEqualTo("Updated orchestrator 'procs'.");
    JsonNode updated = ok("orchestrator", "describe", "procs", "-o", "json").json();
    assertThat(updated.get("config").get("maxParallelism").asInt()).isEqualTo(4);
    assertThat(updated.get("config").get("isolation").asText()).isEqualTo("PROCESS");
    assertThat(updated.get("config").has("jvmArgs")).isFalse();
    assertThat(updated.get("updatedAt").isNull()).isFalse();
    assertThat(ok("orchestrator", "describe", "procs").out())
        .containsPattern("(?m)^    jvmArgs +\\(empty\\) \\(default\\)$");

    Result delete = ok("orchestrator", "delete", "procs");
    assertThat(delete.out().strip()).isEqualTo("Deleted orchestrator 'procs'.");
    assertThat(ok("orchestrator", "list", "-o", "json").json()).hasSize(1);
    assertOneLineError(
        cli("orchestrator", "describe", "procs"),
        "no orchestrator named 'procs': see 'skiff orchestrator list'");
  }

  @Test
  void artifactStoreRegisterListDescribeUpdateDelete() {
    Path a = tmp.resolve("store-a");
    Path b = tmp.resolve("store-b");
    ok("artifact-store", "register", "shared", "-f", "local", "--path=" + a);

    JsonNode list = ok("artifact-store", "list", "-o", "json").json();
    assertThat(list).hasSize(2);
    assertThat(list.get(1).get("name").asText()).isEqualTo("shared");
    assertThat(list.get(1).get("config").get("path").asText()).isEqualTo(a.toString());
    assertThat(ok("artifact-store", "describe", "shared").out())
        .containsPattern("(?m)^    path +" + java.util.regex.Pattern.quote(a.toString()) + "$");

    ok("artifact-store", "update", "shared", "--path=" + b);
    assertThat(
            ok("artifact-store", "describe", "shared", "-o", "json")
                .json()
                .get("config")
                .get("path")
                .asText())
        .isEqualTo(b.toString());

    ok("artifact-store", "delete", "shared");
    assertThat(ok("artifact-store", "list").outLines()).hasSize(2);
  }

  @Test
  void containerRegistriesUseTheDefaultFlavor() {
    ok(
        "container-registry",
        "register",
        "registry",
        "--flavor",
        "default",
        "--uri=localhost:5000/team",
        "--insecure=true");
    assertThat(ok("container-registry", "list").outLines()).hasSize(2);
    JsonNode config =
        ok("container-registry", "describe", "registry", "-o", "json").json().get("config");
    assertThat(config.get("uri").asText()).isEqualTo("localhost:5000/team");
    assertThat(
            ok("container-registry", "flavor", "list", "-o", "json")
                .json()
                .get(0)
                .get("name")
                .asText())
        .isEqualTo("default");
    assertOneLineError(
        cli(
            "container-registry",
            "register",
            "bad",
            "--flavor",
            "default",
            "--uri=https://Registry.example.com/Team"),
        "invalid configuration for container-registry flavor 'default'");
    ok("stack", "update", "default", "-c", "registry");
    assertOneLineError(
        cli("container-registry", "delete", "registry"),
        "container-registry 'registry' is used by stack 'default'");
  }

  @Test
  void flavorListShowsTheInstalledFlavorsWithTheirKeys() {
    List<String> orchestrators = ok("orchestrator", "flavor", "list").outLines();
    assertThat(orchestrators.get(0)).matches("NAME +DESCRIPTION +CONFIG-KEYS");
    assertThat(orchestrators.get(1))
        .matches(
            "kubernetes +Runs each step in its own pod.* +kubernetesContext \\(text\\), kubernetesNamespace \\(text\\).*");
    assertThat(orchestrators.get(2))
        .matches(
            "local +Runs steps on this machine.* +isolation \\(thread\\|process\\), maxParallelism \\(integer\\), jvmArgs \\(list\\)");
    assertThat(orchestrators).hasSize(3);
    List<String> stores = ok("artifact-store", "flavor", "list").outLines();
    assertThat(stores.get(1))
        .matches(
            "local +Artifacts in a folder on this machine.* +path \\(text\\), mountedInPods \\(true\\|false\\)");
    assertThat(stores.get(2))
        .matches("s3 +.* +path \\(text\\), region \\(text\\), endpoint \\(text\\).*");

    JsonNode json = ok("orchestrator", "flavor", "list", "-o", "json").json();
    assertThat(json).hasSize(2);
    assertThat(json.get(0).get("name").asText()).isEqualTo("kubernetes");
    assertThat(json.get(1).get("name").asText()).isEqualTo("local");
    assertThat(texts(json.get(1).get("configKeys")))
        .containsExactly("isolation", "maxParallelism", "jvmArgs");
    assertThat(json.get(1).get("settingsKey").asText()).isEqualTo("orchestrator.local");
    assertThat(
            ok("artifact-store", "flavor", "list", "-o", "json")
                .json()
                .get(0)
                .get("settingsKey")
                .isNull())
        .isTrue();
  }

  @ParameterizedTest(name = "--{0}=3")
  @ValueSource(
      strings = {"maxParallelism", "max_parallelism", "max-parallelism", "MAX_PARALLELISM"})
  void keysMayBeWrittenInAnyCase(String key) {
    ok("orchestrator", "register", "o", "--flavor", "local", "--" + key + "=3");
    assertThat(
            ok("orchestrator", "describe", "o", "-o", "json")
                .json()
                .get("config")
                .get("maxParallelism")
                .asInt())
        .isEqualTo(3);
  }

  @Test
  void anUnknownKeySuggestsTheClosestValidKey() {
    assertOneLineError(
        cli("orchestrator", "register", "o", "--flavor", "local", "--max_paralelism=2"),
        "unknown key 'max_paralelism' for orchestrator flavor 'local': did you mean 'maxParallelism'? (valid keys: isolation, maxParallelism, jvmArgs)");
    assertOneLineError(
        cli("orchestrator", "register", "o", "--flavor", "local", "--colour=blue"),
        "unknown key 'colour' for orchestrator flavor 'local' (valid keys: isolation, maxParallelism, jvmArgs)");
    assertOneLineError(
        cli("artifact-store", "register", "s", "--flavor", "local", "--pth=/tmp/x"),
        "unknown key 'pth' for artifact-store flavor 'local': did you mean 'path'?");
    ok("orchestrator", "register", "o", "--flavor", "local");
    assertOneLineError(
        cli("orchestrator", "update", "o", "--isolaton=process"),
        "unknown key 'isolaton' for orchestrator flavor 'local': did you mean 'isolation'?");
    assertOneLineError(
        cli("orchestrator", "update", "o", "--remove", "isolaton"),
        "unknown key 'isolaton' for orchestrator flavor 'local': did you mean 'isolation'?");
    // nothing was registered by the failed attempts
    assertThat(ok("orchestrator", "list", "-o", "json").json()).hasSize(2);
    assertThat(ok("artifact-store", "list", "-o", "json").json()).hasSize(1);
  }

  @Test
  void valuesParseToTheRecordsTypes() {
    assertOneLineError(
        cli("orchestrator", "register", "o", "--flavor", "local", "--isolation=turbo"),
        "key 'isolation' of orchestrator flavor 'local' expects one of thread, process, got 'turbo'");
    assertOneLineError(
        cli("orchestrator", "register", "o", "--flavor", "local", "--max-parallelism=many"),
        "key 'maxParallelism' of orchestrator flavor 'local' expects a whole number, got 'many'");
    assertOneLineError(
        cli("orchestrator", "register", "o", "--flavor", "local", "--max-parallelism=-1"),
        "invalid configuration for orchestrator flavor 'local' 'o': maxParallelism must be 0 (no limit) or positive, got -1");
    assertOneLineError(
        cli("artifact-store", "register", "s", "--flavor", "local", "--path=relative/folder"),
        "invalid configuration for artifact-store flavor 'local' 's': path must be an absolute folder, got 'relative/folder'");
    assertOneLineError(
        cli("artifact-store", "register", "s", "--flavor", "local"),
        "invalid configuration for artifact-store flavor 'local' 's': path is required");
    // enum values in any case, lists as a,b or JSON
    ok(
        "orchestrator",
        "register",
        "o",
        "--flavor",
        "local",
        "--isolation=PROCESS",
        "--jvm-args=[\"-Xmx1g\", \"-Da=b,c\"]");
    JsonNode config = ok("orchestrator", "describe", "o", "-o", "json").json().get("config");
    assertThat(config.get("isolation").asText()).isEqualTo("PROCESS");
    assertThat(texts(config.get("jvmArgs"))).containsExactly("-Xmx1g", "-Da=b,c");
  }

  @Test
  void removeReturnsAnyKeyToItsDefault() {
    ok(
        "orchestrator",
        "register",
        "o",
        "--flavor",
        "local",
        "--isolation=process",
        "--max-parallelism=2");

    ok("orchestrator", "update", "o", "--remove", "maxParallelism,isolation");

    assertThat(ok("orchestrator", "describe", "o", "-o", "json").json().get("config")).isEmpty();
  }

  @Test
  void registerErrors() {
    assertOneLineError(
        cli("orchestrator", "register", "o", "--flavor", "slurm"),
        "unknown orchestrator flavor 'slurm': available: kubernetes, local");
    assertOneLineError(
        cli("orchestrator", "register", "default", "--flavor", "local"),
        "orchestrator 'default' exists already: change it with 'skiff orchestrator update default'");
    assertOneLineError(
        cli("orchestrator", "register", "9lives", "--flavor", "local"),
        "orchestrator name '9lives' is invalid");
    assertOneLineError(
        cli("orchestrator", "register", "o", "--flavor", "local", "--isolation", "process"),
        "'--isolation' has no value: write --isolation=VALUE (with '=')");
    assertOneLineError(
        cli(
            "orchestrator",
            "register",
            "o",
            "--flavor",
            "local",
            "--isolation=thread",
            "--isolation=process"),
        "--isolation is given twice");
    Result noFlavor = cli("orchestrator", "register", "o");
    assertThat(noFlavor.exitCode()).isEqualTo(2);
    assertThat(noFlavor.err()).contains("Missing required option: '--flavor=FLAVOR'");
    assertOneLineError(
        cli("orchestrator", "update", "default"),
        "nothing to change: give --KEY=VALUE or --remove KEY");
    assertOneLineError(
        cli("orchestrator", "update", "nope", "--isolation=thread"),
        "no orchestrator named 'nope': see 'skiff orchestrator list'");
  }

  @Test
  void aComponentUsedByAStackCannotBeDeleted() {
    ok("orchestrator", "register", "o", "--flavor", "local");
    ok("stack", "register", "mine", "-o", "o", "-a", "default");

    assertOneLineError(
        cli("orchestrator", "delete", "o"),
        "orchestrator 'o' is used by stack 'mine': change or delete that stack first");
    assertOneLineError(
        cli("artifact-store", "delete", "default"),
        "artifact-store 'default' is used by stack 'default': change or delete that stack first");
    assertThat(ok("orchestrator", "list").outLines()).contains("o        local   mine");

    ok("stack", "delete", "mine");
    ok("orchestrator", "delete", "o");
    assertOneLineError(cli("orchestrator", "delete", "o"), "no orchestrator named 'o'");
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
