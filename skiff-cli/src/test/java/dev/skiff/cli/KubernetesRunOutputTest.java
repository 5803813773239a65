package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.cli.internal.Ansi;
import dev.skiff.cli.internal.ConsoleRunPrinter;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.internal.Json;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.Orchestrator;
import dev.skiff.core.spi.OrchestratorContext;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.internal.KubernetesOrchestrator;
import dev.skiff.kubernetes.internal.PodMain;
import dev.skiff.local.LocalOrchestrator;
import dev.skiff.local.LocalOrchestratorConfig;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RetryPolicy;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.kubernetes.FakeCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skiff run} prints the same lines for a run on Kubernetes as for a local run: the
 * orchestrator pod sends typed events, which reach the same console printer. The test cluster runs
 * the pods as JVMs of this class path (sharing this machine's SQLite file and artifact folder).
 */
@Timeout(180)
class KubernetesRunOutputTest {
  static final String IMAGE = "registry.local/skiff:run-output";
  static FakeCluster cluster;

  /** first → second (fails its first attempt, then succeeds) → third. */
  public static final class Retried implements PipelineDefinition {
    private final String dir;

    public Retried(String dir) {
      this.dir = dir;
    }

    /** As a pod makes it to find a step's code: the folder comes from the plan. */
    public Retried() {
      this(System.getProperty("java.io.tmpdir"));
    }

    static String first() {
      System.out.println("first ran");
      return "a";
    }

    static String second(String in, String dir) throws IOException {
      Path tried = Path.of(dir, "tried");
      if (!Files.exists(tried)) {
        Files.writeString(tried, "1");
        throw new IllegalStateException("not yet");
      }
      System.out.println("second got " + in);
      return in + "b";
    }

    static String third(String in) {
      System.out.println("third got " + in);
      System.out.println("third | a line that looks prefixed");
      return in + "c";
    }

    @Override
    public String name() {
      return "retried";
    }

    @Override
    public void define(PipelineBuilder p) {
      var second =
          p.step("second", Retried::second, p.step("first", Retried::first), Param.of(dir))
              .configure(
                  s ->
                      s.retry(
                          RetryPolicy.newBuilder()
                              .maxAttempts(2)
                              .initialBackoff(Duration.ofMillis(100))
                              .build()));
      p.step("third", Retried::third, second);
    }
  }

  @BeforeAll
  static void startCluster(@TempDir Path tmp) throws IOException {
    cluster = FakeCluster.start();
    cluster.images().registerJavaMain(IMAGE, PodMain.class);
    System.setProperty(
        "kubeconfig", cluster.writeKubeconfig(tmp.resolve("kubeconfig"), "fake").toString());
  }

  @AfterAll
  static void stopCluster() {
    System.clearProperty("kubeconfig");
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aRunOnKubernetesPrintsWhatALocalRunPrints(@TempDir Path local, @TempDir Path k8s)
      throws Exception {
    String localOut = printed(local, false);
    String k8sOut = printed(k8s, true);

    List<String> expected = normalized(localOut);
    assertThat(expected.stream().map(KubernetesRunOutputTest::plain))
        .as("the local run's output:%n%s", localOut)
        .contains(
            "Running pipeline retried (run RUN, 3 steps)",
            "first    | started",
            "first    | succeeded in T",
            "second   | attempt 1 failed: IllegalStateException: not yet — retrying in T",
            "second   | started attempt 2",
            "third    | third | a line that looks prefixed",
            "Run RUN succeeded in T");
    // with colors: a status the printer colored locally is colored the same, not relayed as text
    assertThat(normalized(k8sOut))
        .as("on Kubernetes:%n%s%nlocally:%n%s", plain(k8sOut), plain(localOut))
        .isEqualTo(expected);
  }

  /** What the console printer shows for a run of {@link Retried} in {@code dir}. */
  static String printed(Path dir, boolean onKubernetes) throws IOException {
    ClassLoader loader = KubernetesRunOutputTest.class.getClassLoader();
    StringWriter out = new StringWriter();
    ConsoleRunPrinter printer = new ConsoleRunPrinter(new PrintWriter(out, true), new Ansi(true));
    RunPlan plan =
        new PlanCompiler(Materializers.load(loader))
            .compile(new Retried(dir.toString()), PipelineSettings.DEFAULTS);
    try (MetadataStore store = MetadataStores.sqlite(dir.resolve("skiff.db"))) {
      var artifacts = new LocalArtifactStore(dir.resolve("artifacts"));
      Orchestrator orchestrator =
          onKubernetes
              ? new KubernetesOrchestrator(
                  Json.mapper()
                      .convertValue(
                          Map.of(
                              "kubernetesContext", "fake",
                              "image", IMAGE,
                              "podStartupTimeout", "PT60S"),
                          KubernetesOrchestratorConfig.class),
                  new OrchestratorContext(
                      store,
                      new StoreAccess(
                          "jdbc:sqlite:" + dir.resolve("skiff.db"), null, artifacts.uri()),
                      artifacts,
                      Materializers.load(loader),
                      loader,
                      System.getProperty("java.class.path"),
                      "k8s",
                      null))
              : new LocalOrchestrator(
                  store,
                  artifacts,
                  LocalOrchestratorConfig.DEFAULTS,
                  Materializers.load(loader),
                  loader,
                  null);
      assertThat(orchestrator.run(plan, printer).status())
          .as("output:%n%s", out)
          .isEqualTo(RunStatus.SUCCEEDED);
    }
    return out.toString();
  }

  /**
   * The lines, colors kept, with what differs between any two runs replaced: the run id and
   * durations; without the frames of a step's failure trace, which name the launcher that ran it,
   * and without the {@code step failed: …} line a step pod adds to its own log for people reading
   * {@code kubectl logs} of that pod (a line of the step's log as the step pod wrote it, not an
   * event of the orchestrator).
   */
  static List<String> normalized(String out) {
    return out.lines()
        .filter(l -> !plain(l).matches("^\\S+\\s+\\| \\s*(at |\\.\\.\\. \\d+ more).*"))
        .filter(l -> !plain(l).matches("^\\S+\\s+\\| step failed: .*"))
        .map(l -> l.replaceAll("retried-[0-9a-z-]+", "RUN"))
        .map(l -> l.replaceAll("in [0-9.]+ (ms|s)", "in T"))
        .toList();
  }

  static String plain(String text) {
    return text.replaceAll("\u001b\\[[0-9;]*m", "");
  }
}
