package dev.skiff.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.client.ClientPipeline.Parts;
import dev.skiff.sdk.RunStatus;
import dev.skiff.sdk.StepStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs made with the CLI in a SQLite home, read back with the client. */
@Timeout(120)
class SkiffClientTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void readsTheLastRunItsStepsOutputsAndVisualization() throws Exception {
    Path project = Homes.local(dir.resolve("project"));
    Homes.skiff(project, "run", ClientPipeline.class.getName());

    try (SkiffClient client = SkiffClient.open(project)) {
      RunView run = client.lastRun(ClientPipeline.NAME);
      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.pipeline()).isEqualTo(ClientPipeline.NAME);
      assertThat(run.duration()).isPresent();
      assertThat(run.steps())
          .extracting(StepView::name)
          .containsExactlyInAnyOrder(
              "make", "square", "square[0]", "square[1]", "square[2]", "total");
      assertThat(run.steps())
          .allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.SUCCEEDED));

      StepView total = run.step("total");
      assertThat(total.attempt()).isEqualTo(1);
      assertThat(total.cachedFrom()).isEmpty();
      assertThat(total.duration()).isPresent();
      assertThat(total.outputs()).containsExactly("output");
      assertThat(total.output(Double.class)).isEqualTo(14.0);
      assertThat(total.output("output", double.class)).isEqualTo(14.0);

      // a record return is rebuilt from its components, or read one component at a time
      StepView make = run.step("make");
      assertThat(make.output(Parts.class)).isEqualTo(new Parts("first 3", List.of(1, 2, 3)));
      assertThat(make.output("label", String.class)).isEqualTo("first 3");
      assertThat(make.output("values", List.class)).isEqualTo(List.of(1, 2, 3));

      // a map's result, and one instance
      assertThat(run.step("square").outputList(Integer.class)).containsExactly(1, 4, 9);
      assertThat(run.step("square[2]").output(Integer.class)).isEqualTo(9);

      assertThat(total.visualizations()).containsExactly("chart");
      assertThat(total.visualizationType("chart")).isEqualTo("text/html");
      Path saved = total.saveVisualization("chart", dir.resolve("out/chart.html"));
      assertThat(Files.readString(saved)).isEqualTo("<p>first 3: 14.0</p>");

      assertThat(client.run(run.id().substring(0, 8)).id()).isEqualTo(run.id());
      assertThat(client.runs(ClientPipeline.NAME, 10))
          .extracting(RunView::id)
          .containsExactly(run.id());
      assertThat(client.runs(null, 10)).hasSize(1);
    }
  }

  @Test
  void aCachedRunReadsTheOutputsOfTheRunItReused() {
    Path project = Homes.local(dir.resolve("project"));
    Homes.skiff(project, "run", ClientPipeline.class.getName());
    Homes.skiff(project, "run", ClientPipeline.class.getName());

    try (SkiffClient client = SkiffClient.open(project.resolve(".skiff"))) {
      List<RunView> runs = client.runs(ClientPipeline.NAME, 5);
      assertThat(runs).hasSize(2);
      RunView last = client.lastRun(ClientPipeline.NAME);
      assertThat(last.id()).isEqualTo(runs.get(0).id());
      StepView total = last.step("total");
      assertThat(total.status()).isEqualTo(StepStatus.CACHED);
      assertThat(total.cachedFrom()).contains(runs.get(1).id());
      assertThat(total.output(Double.class)).isEqualTo(14.0);
      assertThat(last.step("square").outputList(Integer.class)).containsExactly(1, 4, 9);
    }
  }

  @Test
  void errorsAreOneLineNamingTheFix() {
    Path project = Homes.local(dir.resolve("project"));
    Homes.skiff(project, "run", ClientPipeline.class.getName());

    try (SkiffClient client = SkiffClient.open(project)) {
      assertThatThrownBy(() -> client.lastRun("digits"))
          .isInstanceOf(SkiffClientException.class)
          .hasMessageStartingWith("no run of pipeline 'digits' in the Skiff home ")
          .hasMessageContaining("(it has runs of client_test)")
          .hasMessageEndingWith("open the home it ran in with SkiffClient.open(Path)");
      assertThatThrownBy(() -> client.run("nope"))
          .hasMessageStartingWith("no run 'nope' in the Skiff home");
      RunView run = client.lastRun(ClientPipeline.NAME);
      assertThatThrownBy(() -> run.step("trainer"))
          .hasMessageEndingWith(
              "has no step 'trainer': its steps are make, square, square[0], square[1], square[2],"
                  + " total")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
      assertThatThrownBy(() -> run.step("make").output(String.class))
          .hasMessageContaining(
              "has 2 outputs (label, values): name one with output(name, String.class)");
      assertThatThrownBy(() -> run.step("square").output(Integer.class))
          .hasMessageContaining(
              "is a map: its result is a list of 3 elements: read it with outputList(Integer.class)");
      assertThatThrownBy(() -> run.step("total").output("output", String.class))
          .hasMessageContaining("output 'output' of step 'total' in run ")
          .hasMessageContaining("is a double, not a java.lang.String");
      assertThatThrownBy(() -> run.step("total").output("model", Double.class))
          .hasMessageEndingWith("has no output 'model': its outputs are output");
      assertThatThrownBy(() -> run.step("total").visualization("nope"))
          .hasMessageEndingWith("has no visualization 'nope': its visualizations are chart");
    }
    assertThatThrownBy(() -> SkiffClient.open(dir.resolve("elsewhere")))
        .isInstanceOf(SkiffClientException.class)
        .hasMessageStartingWith("no Skiff home with runs at " + dir.resolve("elsewhere"));
  }

  @Test
  void corruptBytesAreAClearErrorNotAValue() throws Exception {
    Path project = Homes.local(dir.resolve("project"));
    Homes.skiff(project, "run", ClientPipeline.class.getName());
    try (SkiffClient client = SkiffClient.open(project)) {
      RunView run = client.lastRun(ClientPipeline.NAME);
      JsonNode total = artifact(project, run.id(), "total", "output");
      Path blob = project.resolve(".skiff/artifacts").resolve(total.get("path").asText());
      Files.write(blob, "99.0".getBytes(StandardCharsets.UTF_8));

      assertThatThrownBy(() -> run.step("total").output(Double.class))
          .isInstanceOf(SkiffClientException.class)
          .hasMessageContaining("is corrupt: its recorded sha256 is ");
      JsonNode chart = artifact(project, run.id(), "total", "chart");
      Files.delete(project.resolve(".skiff/artifacts").resolve(chart.get("path").asText()));
      assertThatThrownBy(() -> run.step("total").saveVisualization("chart", dir.resolve("c.html")))
          .isInstanceOf(SkiffClientException.class)
          .hasMessageContaining("is missing from the artifact store");
      assertThat(dir.resolve("c.html")).doesNotExist();
    }
  }

  static JsonNode artifact(Path project, String run, String step, String name) throws Exception {
    for (JsonNode a :
        JSON.readTree(Homes.skiff(project, "artifacts", "list", "--run", run, "-o", "json"))) {
      if (a.get("step").asText().equals(step) && a.get("name").asText().equals(name)) {
        return a;
      }
    }
    throw new AssertionError("no artifact " + step + "." + name + " in run " + run);
  }
}
