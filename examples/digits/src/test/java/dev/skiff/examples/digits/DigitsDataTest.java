package dev.skiff.examples.digits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.examples.digits.DigitsPipeline.Split;
import dev.skiff.examples.digits.DigitsPipeline.SplitConfig;
import dev.skiff.sdk.Matrix;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DigitsDataTest {

  @Test
  void loadsTheWholeDataSetFromTheClasspath() {
    DigitsData digits = DigitsData.load();

    assertThat(digits.features().rows()).isEqualTo(1797);
    assertThat(digits.features().cols()).isEqualTo(64);
    assertThat(digits.labels()).hasSize(1797);
    assertThat(IntStream.of(digits.labels()).distinct().sorted().toArray())
        .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(DoubleStream.of(digits.features().toArray()))
        .allSatisfy(v -> assertThat(v).isBetween(0.0, 16.0).isEqualTo(Math.rint(v)));
    // First row of scikit-learn's load_digits(): a zero.
    assertThat(digits.features().row(0)).startsWith(0, 0, 5, 13, 9, 1, 0, 0);
    assertThat(digits.labels()[0]).isZero();
  }

  @Test
  void featureNamesFollowScikitLearn() {
    List<String> names = DigitsData.featureNames();
    assertThat(names).hasSize(64).doesNotHaveDuplicates();
    assertThat(names.get(0)).isEqualTo("pixel_0_0");
    assertThat(names.get(9)).isEqualTo("pixel_1_1");
    assertThat(names.get(63)).isEqualTo("pixel_7_7");
  }

  @Test
  void importerSplitsEightyTwenty() {
    Split split = DigitsPipeline.importer(new SplitConfig(0.2, 42));

    assertThat(split.xTest().rows()).isEqualTo(360); // ceil(1797 * 0.2), as scikit-learn does
    assertThat(split.xTrain().rows()).isEqualTo(1437);
    assertThat(split.yTest()).hasSize(360);
    assertThat(split.yTrain()).hasSize(1437);
    assertThat(split.xTrain().cols()).isEqualTo(64);
    assertThat(split.xTest().cols()).isEqualTo(64);
    // Every class is in both parts.
    assertThat(IntStream.of(split.yTrain()).distinct().count()).isEqualTo(10);
    assertThat(IntStream.of(split.yTest()).distinct().count()).isEqualTo(10);
  }

  @Test
  void splitIsAPermutationOfTheRows() {
    DigitsData digits = DigitsData.load();
    Split split = digits.split(0.2, 42);

    List<String> original = rowsWithLabels(digits.features(), digits.labels());
    List<String> parts = rowsWithLabels(split.xTrain(), split.yTrain());
    parts.addAll(rowsWithLabels(split.xTest(), split.yTest()));
    original.sort(null);
    parts.sort(null);
    assertThat(parts).isEqualTo(original);
  }

  @Test
  void sameSeedGivesTheSameSplitAndAnotherSeedAnotherOne() {
    Split a = DigitsPipeline.importer(new SplitConfig(0.2, 42));
    Split b = DigitsPipeline.importer(new SplitConfig(0.2, 42));
    Split c = DigitsPipeline.importer(new SplitConfig(0.2, 7));

    assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(Arrays.equals(b.yTest(), a.yTest())).isTrue();
    assertThat(c).isNotEqualTo(a);
    assertThat(c.xTest().rows()).isEqualTo(a.xTest().rows());
  }

  @Test
  void splitIsShuffled() {
    DigitsData digits = DigitsData.load();
    Split split = digits.split(0.2, 42);
    // The first test rows are not simply the first rows of the file.
    assertThat(split.xTest().row(0)).isNotEqualTo(digits.features().row(0));
    assertThat(split.yTest()).isNotEqualTo(Arrays.copyOf(digits.labels(), 360));
  }

  @Test
  void rejectsBadFractions() {
    assertThatThrownBy(() -> new SplitConfig(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SplitConfig(1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SplitConfig(Double.NaN, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DigitsData.load().split(0.99999, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no training rows");
  }

  @Test
  void parserRejectsMalformedLines() {
    String good = "0,".repeat(64) + "3\n";
    String shortLine = "0,".repeat(10) + "3\n";
    String badLabel = "0,".repeat(64) + "12\n";
    assertThatThrownBy(() -> DigitsData.parse(reader(good + shortLine)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 2");
    assertThatThrownBy(() -> DigitsData.parse(reader(badLabel)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("label");
  }

  @Test
  void parserAcceptsDecimalCells() throws IOException {
    String line = "1.0,".repeat(64) + "7.0\n";
    DigitsData d = DigitsData.parse(reader(line));
    assertThat(d.rows()).isEqualTo(1);
    assertThat(d.labels()).containsExactly(7);
    assertThat(d.features().get(0, 63)).isEqualTo(1.0);
  }

  private static BufferedReader reader(String text) {
    return new BufferedReader(new StringReader(text));
  }

  private static List<String> rowsWithLabels(Matrix x, int[] y) {
    List<String> out = new ArrayList<>();
    for (int r = 0; r < x.rows(); r++) {
      out.add(Arrays.toString(x.row(r)) + "->" + y[r]);
    }
    return out;
  }
}
