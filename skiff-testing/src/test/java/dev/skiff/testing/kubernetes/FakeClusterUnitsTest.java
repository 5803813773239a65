package dev.skiff.testing.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of the fake cluster, without a cluster. */
class FakeClusterUnitsTest {

  @Test
  void imageReferencesMatchExactlyThenWithoutDigestThenByRepository() {
    ImageRegistry registry = new ImageRegistry();
    ImageRegistry.Image digits = ImageRegistry.Image.of(List.of("digits"));
    ImageRegistry.Image anyTool = ImageRegistry.Image.of(List.of("tool"));
    ImageRegistry.Image pinned = ImageRegistry.Image.of(List.of("pinned"));
    registry.register("registry.local/skiff:digits", digits);
    registry.register("localhost:5000/tools", anyTool);
    registry.register("registry.local/skiff:digits@sha256:0001", pinned);

    assertThat(registry.resolve("registry.local/skiff:digits")).contains(digits);
    assertThat(registry.resolve("registry.local/skiff:digits@sha256:ffff")).contains(digits);
    assertThat(registry.resolve("registry.local/skiff:digits@sha256:0001")).contains(pinned);
    assertThat(registry.resolve("registry.local/skiff:other")).isEmpty();
    assertThat(registry.resolve("registry.local/skiff")).isEmpty();
    assertThat(registry.resolve("localhost:5000/tools:1.2")).contains(anyTool);
    assertThat(registry.resolve("localhost:5000/tools@sha256:abcd")).contains(anyTool);
    assertThat(registry.resolve("localhost:5000/other:1")).isEmpty();
  }

  @Test
  void tailLinesCountsLinesFromTheEnd() {
    byte[] text = "a\nbb\nccc\n".getBytes(StandardCharsets.UTF_8);
    assertThat(ContainerLog.tailOffset(text, text.length, 1)).isEqualTo(5);
    assertThat(ContainerLog.tailOffset(text, text.length, 2)).isEqualTo(2);
    assertThat(ContainerLog.tailOffset(text, text.length, 10)).isZero();
    assertThat(ContainerLog.tailOffset(text, text.length, 0)).isEqualTo(text.length);
    byte[] unterminated = "a\nb".getBytes(StandardCharsets.UTF_8);
    assertThat(ContainerLog.tailOffset(unterminated, unterminated.length, 1)).isEqualTo(2);
  }

  @Test
  void dependentVariablesExpandLikeKubernetes() {
    Map<String, String> env = Map.of("A", "1", "B", "two");
    assertThat(ContainerEnv.expand("$(A)-$(B)-$(C)", env)).isEqualTo("1-two-$(C)");
    assertThat(ContainerEnv.expand("$$(A) costs $5", env)).isEqualTo("$(A) costs $5");
    assertThat(ContainerEnv.expand("$(A", env)).isEqualTo("$(A");
  }

  @Test
  void mergePatchReplacesArraysAndRemovesNulls() throws Exception {
    JsonNode target = Backend.JSON.readTree("{\"a\":{\"b\":1,\"c\":[1,2]},\"d\":\"x\"}");
    JsonNode patch = Backend.JSON.readTree("{\"a\":{\"c\":[3]},\"d\":null,\"e\":true}");
    assertThat(ApiSemantics.mergePatch(target, patch))
        .isEqualTo(Backend.JSON.readTree("{\"a\":{\"b\":1,\"c\":[3]},\"e\":true}"));
  }

  @Test
  void cronSchedulesFollowRobfigCron() {
    Instant start = Instant.parse("2024-01-01T00:00:30Z"); // a Monday
    assertThat(CronSchedule.parse("*/15 * * * *", ZoneOffset.UTC).next(start, 3))
        .containsExactly(
            Instant.parse("2024-01-01T00:15:00Z"),
            Instant.parse("2024-01-01T00:30:00Z"),
            Instant.parse("2024-01-01T00:45:00Z"));
    assertThat(
            CronSchedule.parse("0 9-17/4 * * MON-fri", ZoneOffset.UTC)
                .next(Instant.parse("2024-01-05T14:00:00Z"), 3))
        .containsExactly(
            Instant.parse("2024-01-05T17:00:00Z"),
            Instant.parse("2024-01-08T09:00:00Z"),
            Instant.parse("2024-01-08T13:00:00Z"));
    // A restricted day of month OR a restricted day of week.
    assertThat(CronSchedule.parse("0 0 13 * 5", ZoneOffset.UTC).next(start, 3))
        .containsExactly(
            Instant.parse("2024-01-05T00:00:00Z"),
            Instant.parse("2024-01-12T00:00:00Z"),
            Instant.parse("2024-01-13T00:00:00Z"));
    assertThat(CronSchedule.parse("@monthly", ZoneOffset.UTC).next(start))
        .isEqualTo(Instant.parse("2024-02-01T00:00:00Z"));
    assertThat(CronSchedule.parse("@every 1h30m", ZoneOffset.UTC).next(start))
        .isEqualTo(Instant.parse("2024-01-01T01:30:30Z"));
    assertThat(CronSchedule.parse("0 3 * * *", ZoneId.of("Asia/Tokyo")).next(start))
        .isEqualTo(Instant.parse("2024-01-01T18:00:00Z"));
    assertThat(CronSchedule.parse("TZ=Asia/Tokyo 0 3 * * *", ZoneOffset.UTC).next(start))
        .isEqualTo(Instant.parse("2024-01-01T18:00:00Z"));
    assertThat(CronSchedule.parse("0 0 30 2 *", ZoneOffset.UTC).next(start)).isNull();

    assertThatThrownBy(() -> CronSchedule.parse("* * * *", ZoneOffset.UTC))
        .hasMessage("expected exactly 5 fields, found 4: [* * * *]");
    assertThatThrownBy(() -> CronSchedule.parse("0 0 * * 7", ZoneOffset.UTC))
        .hasMessage("end of range (7) above maximum (6): 7");
    assertThatThrownBy(() -> CronSchedule.parse("x * * * *", ZoneOffset.UTC))
        .hasMessage("failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax");
    assertThat(CronSchedule.zone("Europe/Paris")).isPresent();
    assertThat(CronSchedule.zone("Mars/Olympus")).isEmpty();
    assertThat(CronSchedule.zone("+01:00")).isEmpty();
  }

  @Test
  void podFailurePolicyTakesTheFirstMatchingRule() {
    var policy =
        new PodFailurePolicyBuilder()
            .addNewRule()
            .withAction("Ignore")
            .addNewOnPodCondition()
            .withType("DisruptionTarget")
            .endOnPodCondition()
            .endRule()
            .addNewRule()
            .withAction("FailJob")
            .withNewOnExitCodes()
            .withContainerName("main")
            .withOperator("In")
            .withValues(42, 43)
            .endOnExitCodes()
            .endRule()
            .addNewRule()
            .withAction("Count")
            .withNewOnExitCodes()
            .withOperator("NotIn")
            .withValues(1)
            .endOnExitCodes()
            .endRule()
            .build();

    assertThat(PodFailurePolicy.judge(policy, failed("main", 42, false)))
        .isEqualTo(
            new PodFailurePolicy.Verdict(
                true,
                "Container main for pod skiff/p failed with exit code 42 matching FailJob rule at index 1"));
    assertThat(PodFailurePolicy.judge(policy, failed("main", 42, true)))
        .isEqualTo(new PodFailurePolicy.Verdict(false, null));
    assertThat(PodFailurePolicy.judge(policy, failed("sidecar", 42, false)))
        .as("another container: Count (NotIn 1)")
        .isEqualTo(new PodFailurePolicy.Verdict(true, null));
    assertThat(PodFailurePolicy.judge(policy, failed("main", 1, false)))
        .as("no rule: counted")
        .isEqualTo(new PodFailurePolicy.Verdict(true, null));
    assertThat(PodFailurePolicy.judge(null, failed("main", 42, true)))
        .isEqualTo(new PodFailurePolicy.Verdict(true, null));
  }

  @Test
  void labelSelectorsMatchLabelsAndExpressions() {
    var selector =
        new LabelSelectorBuilder()
            .addToMatchLabels("app", "a")
            .addNewMatchExpression()
            .withKey("tier")
            .withOperator("In")
            .withValues("x", "y")
            .endMatchExpression()
            .addNewMatchExpression()
            .withKey("legacy")
            .withOperator("DoesNotExist")
            .endMatchExpression()
            .build();
    assertThat(Kube.matches(selector, Map.of("app", "a", "tier", "y"))).isTrue();
    assertThat(Kube.matches(selector, Map.of("app", "a", "tier", "z"))).isFalse();
    assertThat(Kube.matches(selector, Map.of("app", "a", "tier", "x", "legacy", "1"))).isFalse();
    assertThat(Kube.matches(new LabelSelectorBuilder().build(), Map.of())).isTrue();
    assertThat(Kube.matches(null, Map.of("app", "a"))).isFalse();
  }

  private static Pod failed(String container, int exitCode, boolean disrupted) {
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .withNamespace("skiff")
            .endMetadata()
            .withNewStatus()
            .withPhase("Failed")
            .addNewContainerStatus()
            .withName(container)
            .withNewState()
            .withNewTerminated()
            .withExitCode(exitCode)
            .endTerminated()
            .endState()
            .endContainerStatus()
            .endStatus();
    if (disrupted) {
      pod.editStatus()
          .addNewCondition()
          .withType("DisruptionTarget")
          .withStatus("True")
          .withReason("TerminationByKubelet")
          .endCondition()
          .endStatus();
    }
    return pod.build();
  }
}
