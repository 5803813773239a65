package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.StepContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client killed with {@code kill -9} while its run's step runs in a step JVM ({@code --isolation
 * process}): the client is a real {@code skiff run} process on this JVM's class path. Its step JVMs
 * end by themselves, the run shows as lost once its short lease ({@code SKIFF_RUN_LEASE}) has
 * expired, and {@code runs resume} finishes it with lineage naming the very bytes the downstream
 * step read.
 */
@Timeout(240)
class LostClientTest extends CliTestSupport {
  /** The client's lease, in seconds: the least {@code SKIFF_RUN_LEASE} allows is 3. */
  static final int LEASE_SECONDS = 5;

  private static final Pattern HOLDING = Pattern.compile("hold +\\| holding in pid (\\d+)");
  private static final Pattern RUN_ID = Pattern.compile("\\(run (\\S+), \\d+ steps\\)");

  Process client;

  @AfterEach
  void killClient() {
    if (client != null) {
      client.descendants().forEach(ProcessHandle::destroyForcibly);
      client.destroyForcibly();
    }
  }

  /**
   * produce ──► hold ──► consume. {@code hold} waits (two minutes) on its first attempt, so the
   * client can be killed while it runs; each attempt of produce and hold makes a value of its own,
   * so the value consume read names the attempt that wrote it.
   */
  public static final class Relay implements PipelineDefinition {
    public Relay() {}

    @Override
    public String name() {
      return "relay";
    }

    static String produce() {
      return "produced " + UUID.randomUUID();
    }

    static String hold(String in) throws InterruptedException {
      int attempt = StepContext.current().attempt();
      if (attempt == 1) {
        System.out.println("holding in pid " + ProcessHandle.current().pid());
        Thread.sleep(TimeUnit.MINUTES.toMillis(2));
      }
      return in + " | held by attempt " + attempt + " " + UUID.randomUUID();
    }

    static String consume(String in) {
      System.out.println("read sha-256 " + sha256(in.getBytes(StandardCharsets.UTF_8)));
      return "consumed " + in.length() + " chars";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<String> produced = p.step("produce", Relay::produce);
      Out<String> held = p.step("hold", Relay::hold, produced);
      p.step("consume", Relay::consume, held);
    }
  }

  @Test
  void aKilledClientsRunShowsLostWithinItsLeaseAndResumesToSuccessWithLineageOfTheBytesRead()
      throws Exception {
    List<String> clientOut = new CopyOnWriteArrayList<>();
    client = startClient(clientOut);
    Matcher holding = await(clientOut, HOLDING, Duration.ofSeconds(120));
    long holdPid = Long.parseLong(holding.group(1));
    String runId = await(clientOut, RUN_ID, Duration.ofSeconds(5)).group(1);
    assertThat(runOf(runId).get("status").asText())
        .as("while its client lives")
        .isEqualTo("RUNNING");
    List<ProcessHandle> stepJvms = client.descendants().toList();
    assertThat(stepJvms)
        .as("the client's step JVMs")
        .extracting(ProcessHandle::pid)
        .contains(holdPid);

    client.destroyForcibly(); // kill -9 of the client only
    assertThat(client.waitFor(10, TimeUnit.SECONDS)).isTrue();
    long killedAt = System.nanoTime();

    for (ProcessHandle jvm : stepJvms) {
      jvm.onExit().get(15, TimeUnit.SECONDS); // a step JVM ends with its client
    }
    assertThat(stepJvms)
        .as("step JVMs that outlived their client")
        .noneMatch(ProcessHandle::isAlive);

    JsonNode lost = runOf(runId);
    while (lost.get("status").asText().equals("RUNNING")
        && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60)) {
      Thread.sleep(200);
      lost = runOf(runId);
    }
    Duration lostAfter = Duration.ofNanos(System.nanoTime() - killedAt);
    assertThat(lost.get("status").asText()).as("%s", lost).isEqualTo("FAILED");
    assertThat(lost.get("error").asText())
        .startsWith("lost: its orchestrator (")
        .contains("stopped heart-beating");
    assertThat(lostAfter)
        .as("shown lost once the lease ran out")
        .isLessThan(Duration.ofSeconds(LEASE_SECONDS + 10));
    JsonNode before = runs("describe", runId, "-o", "json").json();
    assertThat(step(before, "produce").get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(step(before, "hold").get("status").asText()).isEqualTo("FAILED");
    assertThat(step(before, "hold").get("error").asText()).startsWith("lost: ");
    String produced = step(before, "produce").get("outputs").get("output").asText();

    Result resumed = runs("resume", runId, "--isolation", "process");

    assertThat(resumed.exitCode()).as("%s", resumed).isZero();
    assertThat(resumed.out()).contains("Run " + runId + " succeeded");
    JsonNode after = runs("describe", runId, "-o", "json").json();
    assertThat(step(after, "produce").get("attempt").asInt()).as("kept").isEqualTo(1);
    assertThat(step(after, "hold").get("attempt").asInt())
        .as("the lost attempt counted")
        .isEqualTo(2);
    assertThat(values(step(after, "hold").get("inputs"))).containsExactly(produced);
    String held = step(after, "hold").get("outputs").get("output").asText();
    assertThat(values(step(after, "consume").get("inputs")))
        .as("lineage of consume")
        .containsExactly(held);
    // the bytes consume read are those of the artifact its lineage names
    Matcher read =
        Pattern.compile("(?m)^consume +\\| read sha-256 ([0-9a-f]{64})$").matcher(resumed.out());
    assertThat(read.find()).as("%s", resumed).isTrue();
    JsonNode artifact = artifacts("show", held, "-o", "json").json();
    assertThat(artifact.get("contentHash").asText()).isEqualTo(read.group(1));
    Path saved = tmp.resolve("held.bin");
    Result save = artifacts("show", held, "--save", saved.toString());
    assertThat(save.exitCode()).as("%s", save).isZero();
    byte[] bytes = Files.readAllBytes(saved);
    assertThat(sha256(bytes)).isEqualTo(read.group(1));
    assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("held by attempt 2");
    System.out.printf(
        "client killed; run shown lost after %d ms (lease %d s)%n",
        lostAfter.toMillis(), LEASE_SECONDS);
  }

  /** {@code skiff run Relay --isolation process} in a JVM of its own, with a short run lease. */
  private Process startClient(List<String> out) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                SkiffCli.class.getName(),
                "run",
                Relay.class.getName(),
                "--isolation",
                "process",
                "--project",
                project.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SKIFF_RUN_LEASE", String.valueOf(LEASE_SECONDS));
    Process p = pb.start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  out.add(strip(line));
                }
              } catch (IOException ended) {
                // the client was killed
              }
            },
            "skiff-client-output");
    reader.setDaemon(true);
    reader.start();
    return p;
  }

  private static Matcher await(List<String> lines, Pattern pattern, Duration timeout)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      for (String line : lines) {
        Matcher m = pattern.matcher(line);
        if (m.find()) {
          return m;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "no line matching "
            + pattern
            + " within "
            + timeout.toSeconds()
            + " s; the client printed:\n"
            + String.join("\n", lines));
  }

  /** The run as {@code runs list} shows it (which settles lost runs). */
  private JsonNode runOf(String runId) {
    for (JsonNode r : runs("list", "-o", "json").json()) {
      if (r.get("id").asText().equals(runId)) {
        return r;
      }
    }
    throw new AssertionError("run " + runId + " not listed");
  }

  private static JsonNode step(JsonNode run, String name) {
    for (JsonNode s : run.get("steps")) {
      if (s.get("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no step " + name + " in " + run);
  }

  private static List<String> values(JsonNode object) {
    List<String> values = new ArrayList<>();
    object.forEach(v -> values.add(v.asText()));
    return values;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
