package dev.skiff.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Map instance names: the one parser every module uses to take {@code m[3]} apart. */
class PlanStepTest {

  @Test
  void anInstanceNameIsItsMapAndIndex() {
    assertThat(PlanStep.instance("m[3]")).contains(new PlanStep.Instance("m", "3"));
    assertThat(PlanStep.instance("m[3]").orElseThrow().index()).isEqualTo(3);
    assertThat(PlanStep.instance(PlanStep.instanceName("train", 12)))
        .contains(new PlanStep.Instance("train", "12"));
  }

  @Test
  void theMapIsAllBeforeTheLastBracketPair() {
    assertThat(PlanStep.instance("a[b][2]")).contains(new PlanStep.Instance("a[b]", "2"));
    assertThat(PlanStep.instance("a[1][2]")).contains(new PlanStep.Instance("a[1]", "2"));
  }

  @Test
  void theIndexIsKeptAsWrittenSoNamesDerivedFromItStayDistinct() {
    PlanStep.Instance padded = PlanStep.instance("m[03]").orElseThrow();
    assertThat(padded.digits()).isEqualTo("03");
    assertThat(padded.index()).isEqualTo(3);
    assertThat(padded).isNotEqualTo(PlanStep.instance("m[3]").orElseThrow());
  }

  @Test
  void otherNamesAreNoInstances() {
    for (String name :
        List.of("m", "m[]", "m[x]", "m-3", "[3]", "m[3]x", "m[-1]", "m[ 3]", "m[٣]")) {
      assertThat(PlanStep.instance(name)).as(name).isEmpty();
      assertThat(PlanStep.isInstanceName(name)).as(name).isFalse();
      assertThat(step(name).declaredName()).as(name).isEqualTo(name);
    }
  }

  @Test
  void anIndexTooLargeForAnIntStillNamesAnInstanceButHasNoValue() {
    PlanStep.Instance huge = PlanStep.instance("m[99999999999]").orElseThrow();
    assertThat(huge).isEqualTo(new PlanStep.Instance("m", "99999999999"));
    assertThatThrownBy(huge::index).isInstanceOf(NumberFormatException.class);
    assertThat(PlanStep.isInstanceName("m[99999999999]")).isTrue();
  }

  @Test
  void declaredNameAndIsInstanceNameFollowTheParser() {
    assertThat(step("m[3]").declaredName()).isEqualTo("m");
    assertThat(step("a[b][2]").declaredName()).isEqualTo("a[b]");
    assertThat(step("m[03]").declaredName()).isEqualTo("m");
    assertThat(step("m[99999999999]").declaredName()).isEqualTo("m");
    assertThat(PlanStep.isInstanceName("m[3]")).isTrue();
    assertThat(PlanStep.isInstanceName("m[03]")).isTrue();
  }

  private static PlanStep step(String name) {
    return new PlanStep(
        name, "C#m()V", "h", List.of(), List.of(), false, List.of(), null, Map.of());
  }
}
