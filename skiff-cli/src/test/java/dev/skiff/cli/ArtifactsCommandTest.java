package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.CliPipelines.Branches;
import dev.skiff.cli.CliPipelines.Tiny;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code skiff artifacts list|show}. */
class ArtifactsCommandTest extends CliTestSupport {

  @Test
  void listShowsEveryArtifactInATable() {
    String tiny = runOk(Tiny.class).runId();
    String branches = run(Branches.class).runId();

    Result r = artifacts("list");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.outLines().get(0)).matches("ARTIFACT +RUN +STEP +NAME +KIND +TYPE +SIZE +SHA-256");
    String row = "(?m)^[0-9a-f]{12} +%s +%s +%s +%s +%s +\\d+ B +[0-9a-f]{12}$";
    assertThat(r.out())
        .containsPattern(String.format(row, tiny, "load", "train", "data", "int\\[\\]"));
    assertThat(r.out())
        .containsPattern(String.format(row, tiny, "load", "label", "data", "java\\.lang\\.String"));
    assertThat(r.out())
        .containsPattern(
            String.format(
                row,
                tiny,
                "load",
                "stats",
                "data",
                Pattern.quote(CliPipelines.Stats.class.getName())));
    assertThat(r.out()).containsPattern(String.format(row, tiny, "train", "output", "data", "int"));
    assertThat(r.out())
        .containsPattern(String.format(row, tiny, "evaluate", "output", "data", "double"));
    assertThat(r.out())
        .containsPattern(
            String.format(row, tiny, "evaluate", "report", "visualization", "text/html"));
    assertThat(r.out())
        .containsPattern(String.format(row, branches, "root", "output", "data", "int"));
    // tiny: 4 record components + train + evaluate + report; branches: root (side may not have run)
    assertThat(r.outLines().size() - 1).isBetween(8, 9);
  }

  @Test
  void listOfOneRunAndAsJson() {
    String tiny = runOk(Tiny.class).runId();
    run(Branches.class);

    JsonNode json = artifacts("list", "--run", tiny, "-o", "json").json();

    assertThat(json).hasSize(7);
    List<String> names = new ArrayList<>();
    for (JsonNode a : json) {
      assertThat(a.get("runId").asText()).isEqualTo(tiny);
      assertThat(a.get("id").asText()).matches("[0-9a-f]{32}");
      assertThat(a.get("contentHash").asText()).matches("[0-9a-f]{64}");
      assertThat(a.get("size").asLong()).isPositive();
      assertThat(a.get("path").asText()).startsWith("runs/" + tiny + "/");
      names.add(
          a.get("step").asText() + "." + a.get("name").asText() + ":" + a.get("kind").asText());
    }
    assertThat(names)
        .containsExactlyInAnyOrder(
            "load.train:DATA",
            "load.test:DATA",
            "load.label:DATA",
            "load.stats:DATA",
            "train.output:DATA",
            "evaluate.output:DATA",
            "evaluate.report:VISUALIZATION");

    Result table = artifacts("list", "--run", tiny.substring(0, 6));
    assertThat(table.outLines()).hasSize(8);
    assertThat(artifacts("list", "--limit", "2", "-o", "json").json()).hasSize(2);
  }

  @Test
  void listOfACachedRunShowsTheArtifactsItReused() {
    String first = runOk(Tiny.class).runId();
    String second = runOk(Tiny.class).runId();

    JsonNode json = artifacts("list", "--run", second, "-o", "json").json();

    assertThat(json).hasSize(7);
    json.forEach(a -> assertThat(a.get("runId").asText()).isEqualTo(first));
  }

  @Test
  void listWithAnUnknownRunIsAOneLineError() {
    assertOneLineError(artifacts("list", "--run", "nope"), "no run 'nope': see 'skiff runs list'");
  }

  @Test
  void showPrintsMetadataAndAPreviewOfAnIntArray() {
    String run = runOk(Tiny.class).runId();
    JsonNode a = artifact(run, "load", "train");

    Result r = artifacts("show", a.get("id").asText());

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.outLines())
        .contains(
            "id:           " + a.get("id").asText(),
            "run:          " + run,
            "step:         load",
            "name:         train",
            "kind:         data",
            "type:         int[]",
            "materializer: skiff.array/v1",
            "sha-256:      " + a.get("contentHash").asText());
    assertThat(r.out())
        .containsPattern(
            "(?m)^uri: +file:.*/\\.skiff/artifacts/runs/" + Pattern.quote(run) + "/load/1/train$");
    assertThat(r.outLines().get(r.outLines().size() - 1)).isEqualTo("int[5] [1, 2, 3, 4, 5]");
  }

  @Test
  void showPreviewsStringsRecordsAndPrimitives() throws IOException {
    String run = runOk(Tiny.class).runId();

    assertThat(preview(artifacts("show", artifact(run, "load", "label").get("id").asText())))
        .isEqualTo("digits-v1");
    JsonNode stats =
        JSON.readTree(
            preview(artifacts("show", artifact(run, "load", "stats").get("id").asText())));
    assertThat(stats.get("count").asInt()).isEqualTo(8);
    assertThat(stats.get("mean").asDouble()).isEqualTo(4.5);
    assertThat(preview(artifacts("show", artifact(run, "train", "output").get("id").asText())))
        .isEqualTo("15");
    assertThat(preview(artifacts("show", artifact(run, "evaluate", "output").get("id").asText())))
        .isEqualTo("0.875");
  }

  @Test
  void showByUniquePrefixAndAsJson() {
    String run = runOk(Tiny.class).runId();
    JsonNode a = artifact(run, "load", "test");
    String id = a.get("id").asText();

    Result byPrefix = artifacts("show", id.substring(0, 12));
    assertThat(byPrefix.exitCode()).as("%s", byPrefix).isZero();
    assertThat(byPrefix.outLines()).contains("id:           " + id, "int[3] [6, 7, 8]");

    JsonNode json = artifacts("show", id.substring(0, 12), "-o", "json").json();
    assertThat(json.get("id").asText()).isEqualTo(id);
    assertThat(json.get("runId").asText()).isEqualTo(run);
    assertThat(json.get("type").asText()).isEqualTo("int[]");
    assertThat(json.get("kind").asText()).isEqualTo("DATA");
    assertThat(json.get("materializer").asText()).isEqualTo("skiff.array/v1");
  }

  @Test
  void showOfAVisualizationPrintsMetadataOnly() {
    String run = runOk(Tiny.class).runId();
    JsonNode a = artifact(run, "evaluate", "report");

    Result r = artifacts("show", a.get("id").asText());

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.outLines())
        .contains(
            "kind:         visualization",
            "type:         text/html",
            "step:         evaluate",
            "name:         report");
    assertThat(r.out()).doesNotContain("<html>");
  }

  @Test
  void showSaveWritesTheVisualization() throws IOException {
    String run = runOk(Tiny.class).runId();
    JsonNode a = artifact(run, "evaluate", "report");
    Path file = tmp.resolve("out/dir/report.html");

    Result r = artifacts("show", a.get("id").asText(), "--save", file.toString());

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.outLines()).contains("saved to " + file.toAbsolutePath());
    assertThat(Files.readString(file)).isEqualTo(CliPipelines.REPORT_HTML);
  }

  @Test
  void showSaveWritesTheStoredBytesOfData() throws IOException {
    String run = runOk(Tiny.class).runId();
    JsonNode a = artifact(run, "load", "label");
    Path file = tmp.resolve("label.txt");

    Result r = artifacts("show", a.get("id").asText(), "--save", file.toString());

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(Files.readString(file)).isEqualTo("digits-v1");
    assertThat(r.out()).doesNotContain("\ndigits-v1");
  }

  @Test
  void showSaveOfADamagedArtifactFailsWithOneLineAndWritesNothing() throws IOException {
    String run = runOk(Tiny.class).runId();
    JsonNode a = artifact(run, "load", "label");
    Path stored = project.resolve(".skiff/artifacts").resolve(a.get("path").asText());
    Files.writeString(stored, "digits-v2");
    Path file = tmp.resolve("label.txt");

    Result r = artifacts("show", a.get("id").asText(), "--save", file.toString());

    assertOneLineError(
        r,
        "artifact "
            + a.get("id").asText()
            + " (output 'label' of step 'load' in run "
            + run
            + ") is corrupt: its recorded sha256 is ");
    assertThat(file).doesNotExist();
    assertThat(tmp)
        .isDirectoryNotContaining(p -> p.getFileName().toString().startsWith(".skiff-save-"));
  }

  @Test
  void showOpenWithoutADisplayPrintsTheFileToOpen() throws IOException {
    assumeTrue(
        System.getProperty("os.name").toLowerCase().contains("linux"),
        "opens a real browser elsewhere");
    assumeTrue(
        System.getenv("DISPLAY") == null && System.getenv("WAYLAND_DISPLAY") == null,
        "a display: it would open a browser");
    String run = runOk(Tiny.class).runId();
    JsonNode a = artifact(run, "evaluate", "report");

    Result r = artifacts("show", a.get("id").asText(), "--open");

    assertThat(r.exitCode()).as("%s", r).isZero();
    Matcher m =
        Pattern.compile(
                "(?m)^no browser could be started here; open this file in one: (file:\\S+)$")
            .matcher(r.out());
    assertThat(m.find()).as("%s", r).isTrue();
    Path file = Path.of(URI.create(m.group(1)));
    assertThat(file.toString()).endsWith(".html");
    assertThat(Files.readString(file)).isEqualTo(CliPipelines.REPORT_HTML);
  }

  @Test
  void showErrorsAreOneLine() {
    runOk(Tiny.class);

    assertOneLineError(artifacts("show", "nope"), "no artifact 'nope': see 'skiff artifacts list'");
    assertOneLineError(artifacts("show", ""), "'' matches 7 artifacts: type more of the id");
  }

  private JsonNode artifact(String run, String step, String name) {
    for (JsonNode a : artifacts("list", "--run", run, "-o", "json").json()) {
      if (a.get("step").asText().equals(step) && a.get("name").asText().equals(name)) {
        return a;
      }
    }
    throw new AssertionError("no artifact " + step + "." + name + " in run " + run);
  }

  /** The preview: what follows the blank line after the metadata. */
  private static String preview(Result r) {
    assertThat(r.exitCode()).as("%s", r).isZero();
    int blank = r.out().indexOf("\n\n");
    assertThat(blank).as("%s", r).isPositive();
    return r.out().substring(blank + 2).strip();
  }
}
