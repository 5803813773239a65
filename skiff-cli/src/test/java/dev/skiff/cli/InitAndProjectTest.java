package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.CliPipelines.Tiny;
import dev.skiff.cli.internal.Project;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code skiff init} and how commands find their project. */
class InitAndProjectTest extends CliTestSupport {

  @Test
  void initCreatesTheSkiffFolderWithItsDatabase() {
    Path dir = tmp.resolve("fresh");

    Result r = skiff("init", dir.toString());

    assertThat(r.exitCode()).as("%s", r).isZero();
    Path home = dir.resolve(".skiff").toAbsolutePath().normalize();
    assertThat(r.out().strip()).isEqualTo("Initialized Skiff in " + home);
    assertThat(r.err()).isEmpty();
    assertThat(home.resolve("skiff.db")).isRegularFile();
    assertThat(home.resolve("artifacts")).isDirectory();
  }

  @Test
  void secondInitSaysAlreadyInitializedAndKeepsTheRuns() {
    runOk(Tiny.class);

    Result again = skiff("init", project.toString());

    assertThat(again.exitCode()).as("%s", again).isZero();
    assertThat(again.out().strip())
        .isEqualTo(
            "Skiff is already initialized in "
                + project.resolve(".skiff").toAbsolutePath().normalize());
    assertThat(runs("list", "-o", "json").json()).hasSize(1);
  }

  @Test
  void commandsFindTheProjectUpwardFromANestedFolder() throws IOException {
    Path nested = Files.createDirectories(project.resolve("src/main/java"));

    Result r = skiff("run", Tiny.class.getName(), "--project", nested.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();

    assertThat(nested.resolve(".skiff")).doesNotExist();
    assertThat(project.resolve("src/.skiff")).doesNotExist();
    JsonNode runs = runs("list", "-o", "json").json();
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0).get("id").asText()).isEqualTo(r.runId());
    Result fromNested =
        skiff(
            "runs",
            "describe",
            r.runId(),
            "--project",
            nested.resolve("deeper/not-created-yet").toString());
    assertThat(fromNested.exitCode()).as("%s", fromNested).isZero();
  }

  @Test
  void aFolderWithoutSkiffAboveItIsAOneLineError() {
    Path elsewhere = tmp.resolve("elsewhere");
    assumeTrue(Project.findUpward(elsewhere).isEmpty(), "a .skiff folder above the temp folder");

    Result r = skiff("runs", "list", "--project", elsewhere.toString());

    assertOneLineError(r, "no .skiff folder at or above " + elsewhere + ": run 'skiff init' there");
  }

  @Test
  void locateFallsBackToSkiffHomeWhenNoProjectIsAbove() {
    Path start = tmp.resolve("no-project/sub");
    assumeTrue(Project.findUpward(start).isEmpty(), "a .skiff folder above the temp folder");
    Path skiffHome = tmp.resolve("global home");

    Project p = Project.locate(start, Map.of("SKIFF_HOME", skiffHome.toString()));

    assertThat(p.isGlobal()).isTrue();
    assertThat(p.home()).isEqualTo(skiffHome.toAbsolutePath().normalize());
    assertThat(skiffHome.resolve("artifacts")).isDirectory();
    assertThat(p.metadataUrl())
        .isEqualTo("jdbc:sqlite:" + skiffHome.toAbsolutePath().normalize().resolve("skiff.db"));
    assertThat(p.artifactUri())
        .isEqualTo(skiffHome.toAbsolutePath().normalize().resolve("artifacts").toUri().toString());
    try (var store = p.openMetadataStore()) {
      assertThat(store.listRuns(null, 10)).isEmpty();
    }
    assertThat(skiffHome.resolve("skiff.db")).isRegularFile();
  }

  @Test
  void locateFallsBackToTheUserConfigFolderWithoutSkiffHome() {
    Path start = tmp.resolve("no-project");
    assumeTrue(Project.findUpward(start).isEmpty(), "a .skiff folder above the temp folder");
    String userHome = System.getProperty("user.home");
    System.setProperty("user.home", tmp.resolve("user").toString());
    try {
      for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("SKIFF_HOME", " "))) {
        Project p = Project.locate(start, env);

        assertThat(p.isGlobal()).isTrue();
        assertThat(p.home())
            .isEqualTo(tmp.resolve("user/.config/skiff").toAbsolutePath().normalize());
      }
    } finally {
      System.setProperty("user.home", userHome);
    }
  }

  @Test
  void locatePrefersTheNearestProjectOverSkiffHome() throws IOException {
    Path inner = Files.createDirectories(project.resolve("a/b"));
    Project.init(project.resolve("a"));

    Project p = Project.locate(inner, Map.of("SKIFF_HOME", tmp.resolve("global").toString()));

    assertThat(p.isGlobal()).isFalse();
    assertThat(p.home()).isEqualTo(project.resolve("a/.skiff").toAbsolutePath().normalize());
    assertThat(Project.locate(project.resolve("other"), Map.of()).home())
        .isEqualTo(project.resolve(".skiff").toAbsolutePath().normalize());
    assertThat(tmp.resolve("global")).doesNotExist();
  }
}
