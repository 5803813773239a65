package dev.skiff.examples.digits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.examples.digits.DigitsPipeline.Split;
import dev.skiff.examples.digits.SkewReport.FeatureSkew;
import dev.skiff.examples.digits.SkewReport.FeatureStats;
import dev.skiff.sdk.Matrix;
import java.util.List;
import org.junit.jupiter.api.Test;

class SkewReportTest {
  private static final double NaN = Double.NaN;

  // Column 0: integers with a NaN; column 1: constant 5 vs constant 5; column 2: all missing on
  // one side; column 3: non-integer values.
  private static final Matrix REFERENCE =
      Matrix.of(
          new double[][] {
            {1, 5, NaN, 0.5},
            {2, 5, NaN, 1.5},
            {3, 5, NaN, 2.5},
            {NaN, 5, NaN, 3.5},
          });
  private static final Matrix COMPARISON =
      Matrix.of(
          new double[][] {
            {3, 5, 1, 10.0},
            {3, 5, Double.POSITIVE_INFINITY, 0.5},
          });

  private static SkewReport tiny() {
    return SkewReport.compute("train", REFERENCE, "test", COMPARISON, List.of("a", "b", "c", "d"));
  }

  @Test
  void statsOfAnIntegerColumnWithAMissingValue() {
    FeatureSkew a = tiny().feature(0);
    FeatureStats ref = a.reference();
    FeatureStats cmp = a.comparison();

    assertThat(a.index()).isZero();
    assertThat(a.name()).isEqualTo("a");
    assertThat(ref.count()).isEqualTo(3);
    assertThat(ref.missing()).isEqualTo(1);
    assertThat(ref.mean()).isEqualTo(2.0);
    assertThat(ref.std()).isCloseTo(Math.sqrt(2.0 / 3), within(1e-12)); // population std
    assertThat(ref.min()).isEqualTo(1.0);
    assertThat(ref.max()).isEqualTo(3.0);
    assertThat(cmp.count()).isEqualTo(2);
    assertThat(cmp.missing()).isZero();
    assertThat(cmp.mean()).isEqualTo(3.0);
    assertThat(cmp.std()).isZero();
    assertThat(cmp.min()).isEqualTo(3.0);
    assertThat(cmp.max()).isEqualTo(3.0);
    // One bin per integer of the common range 1..3.
    assertThat(a.binEdges()).containsExactly(1, 2, 3, 4);
    assertThat(ref.histogram()).containsExactly(1, 1, 1);
    assertThat(cmp.histogram()).containsExactly(0, 0, 2);
    // (3 - 2) / sqrt((2/3 + 0) / 2)
    assertThat(a.meanShift()).isCloseTo(1 / Math.sqrt(1.0 / 3), within(1e-12));
  }

  @Test
  void sameConstantHasNoShift() {
    FeatureSkew b = tiny().feature(1);
    assertThat(b.reference().std()).isZero();
    assertThat(b.reference().mean()).isEqualTo(5.0);
    assertThat(b.meanShift()).isZero();
    assertThat(b.binEdges()).containsExactly(5, 6);
    assertThat(b.reference().histogram()).containsExactly(4);
    assertThat(b.comparison().histogram()).containsExactly(2);
  }

  @Test
  void missingAndInfiniteValuesAreCountedButNotUsed() {
    FeatureSkew c = tiny().feature(2);
    assertThat(c.reference().count()).isZero();
    assertThat(c.reference().missing()).isEqualTo(4);
    assertThat(c.reference().mean()).isNaN();
    assertThat(c.reference().std()).isNaN();
    assertThat(c.reference().min()).isNaN();
    assertThat(c.reference().max()).isNaN();
    assertThat(c.comparison().count()).isEqualTo(1);
    assertThat(c.comparison().missing()).isEqualTo(1); // the infinity
    assertThat(c.comparison().mean()).isEqualTo(1.0);
    assertThat(c.meanShift()).isNaN();
    assertThat(c.reference().histogram()).containsExactly(0);
    assertThat(c.comparison().histogram()).containsExactly(1);
  }

  @Test
  void nonIntegerColumnsGetEqualWidthBins() {
    FeatureSkew d = tiny().feature(3);
    double[] edges = d.binEdges();
    assertThat(edges).hasSize(SkewReport.DEFAULT_BINS + 1);
    assertThat(edges[0]).isEqualTo(0.5);
    assertThat(edges[SkewReport.DEFAULT_BINS]).isEqualTo(10.0);
    long[] ref = d.reference().histogram();
    long[] cmp = d.comparison().histogram();
    assertThat(sum(ref)).isEqualTo(4);
    assertThat(sum(cmp)).isEqualTo(2);
    assertThat(ref[0]).isEqualTo(1); // 0.5
    assertThat(cmp[0]).isEqualTo(1); // 0.5
    assertThat(cmp[SkewReport.DEFAULT_BINS - 1]).isEqualTo(1); // the maximum lands in the last bin
    assertThat(d.reference().mean()).isEqualTo(2.0);
    assertThat(d.reference().std()).isCloseTo(Math.sqrt(1.25), within(1e-12));
  }

  @Test
  void summaryListsLargestShiftsFirstAndSkipsUndefinedOnes() {
    SkewReport report = tiny();
    assertThat(report.referenceRows()).isEqualTo(4);
    assertThat(report.comparisonRows()).isEqualTo(2);
    assertThat(report.features()).extracting(FeatureSkew::index).containsExactly(0, 1, 2, 3);
    // |shift|: a = 1.73, d = 3.25 / sqrt((1.25 + 22.5625) / 2) = 0.94, b = 0, c = NaN.
    assertThat(report.largestShifts()).containsExactly(0, 3, 1);
  }

  @Test
  void differentConstantsShiftInfinitely() {
    FeatureSkew f = SkewReport.feature(0, "k", new double[] {1, 1}, new double[] {2});
    assertThat(f.meanShift()).isEqualTo(Double.POSITIVE_INFINITY);
    FeatureSkew g = SkewReport.feature(0, "k", new double[] {2, 2}, new double[] {1});
    assertThat(g.meanShift()).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void rejectsMismatchedShapes() {
    assertThatThrownBy(
            () ->
                SkewReport.compute(
                    "r", REFERENCE, "c", Matrix.of(1, 2, new double[2]), List.of("a", "b")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SkewReport.compute("r", REFERENCE, "c", COMPARISON, List.of("a")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void digitsTrainAndTestLookAlike() {
    Split split = Fixtures.split();
    SkewReport report = DigitsPipeline.compare(split.xTrain(), split.xTest());

    assertThat(report.features()).hasSize(64);
    assertThat(report.referenceName()).isEqualTo("train");
    assertThat(report.comparisonName()).isEqualTo("test");
    assertThat(report.referenceRows()).isEqualTo(1437);
    assertThat(report.comparisonRows()).isEqualTo(360);
    assertThat(report.largestShifts()).hasSize(SkewReport.TOP_SHIFTS);
    for (FeatureSkew f : report.features()) {
      assertThat(f.reference().missing()).isZero();
      assertThat(f.reference().count()).isEqualTo(1437);
      assertThat(sum(f.reference().histogram())).isEqualTo(1437);
      assertThat(sum(f.comparison().histogram())).isEqualTo(360);
      assertThat(f.reference().min()).isGreaterThanOrEqualTo(0);
      assertThat(f.reference().max()).isLessThanOrEqualTo(16);
      // A random split: no feature should drift by more than half a standard deviation.
      assertThat(Math.abs(f.meanShift())).as(f.name()).isLessThan(0.5);
    }
    FeatureSkew top = report.feature(report.largestShifts().get(0));
    assertThat(report.features())
        .allSatisfy(
            f ->
                assertThat(Math.abs(f.meanShift())).isLessThanOrEqualTo(Math.abs(top.meanShift())));
  }

  @Test
  void survivesAJsonRoundTripIncludingNaN() throws Exception {
    ObjectMapper json = new ObjectMapper();
    SkewReport report = tiny();

    SkewReport back = json.readValue(json.writeValueAsString(report), SkewReport.class);

    assertThat(back).isEqualTo(report);
    assertThat(back.feature(2).reference().mean()).isNaN();
  }

  private static long sum(long[] values) {
    long s = 0;
    for (long v : values) {
      s += v;
    }
    return s;
  }
}
