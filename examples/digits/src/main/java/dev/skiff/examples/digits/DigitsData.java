package dev.skiff.examples.digits;

import dev.skiff.examples.digits.DigitsPipeline.Split;
import dev.skiff.sdk.Matrix;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The handwritten digits data set (UCI optical digits test set, as shipped by scikit-learn; see
 * {@code DATA-LICENSE.md}): 1,797 images of 8x8 pixel counts 0..16 with their digit 0..9.
 *
 * @param features one row per image, 64 columns in row-major pixel order
 * @param labels the digit of each row
 */
public record DigitsData(Matrix features, int[] labels) {
  /** Classpath resource, next to this class: 64 pixel values and the label per line, no header. */
  public static final String RESOURCE = "digits.csv.gz";

  public static final int IMAGE_SIDE = 8;
  public static final int FEATURES = IMAGE_SIDE * IMAGE_SIDE;

  /** Largest pixel count: each pixel counts the "on" bits of a 4x4 block. */
  public static final int MAX_PIXEL = 16;

  public DigitsData {
    if (features.rows() != labels.length) {
      throw new IllegalArgumentException(
          features.rows() + " feature rows but " + labels.length + " labels");
    }
    labels = labels.clone();
  }

  /** Reads the bundled CSV resource; no network. */
  public static DigitsData load() {
    InputStream raw = DigitsData.class.getResourceAsStream(RESOURCE);
    if (raw == null) {
      throw new IllegalStateException(
          "resource "
              + RESOURCE
              + " not found next to "
              + DigitsData.class.getName()
              + " on the classpath");
    }
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII))) {
      return parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  static DigitsData parse(BufferedReader in) throws IOException {
    List<double[]> rows = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    String line;
    int lineNumber = 0;
    while ((line = in.readLine()) != null) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      if (cells.length != FEATURES + 1) {
        throw new IOException(
            "line " + lineNumber + ": expected " + (FEATURES + 1) + " values, got " + cells.length);
      }
      double[] row = new double[FEATURES];
      for (int c = 0; c < FEATURES; c++) {
        row[c] = Double.parseDouble(cells[c].trim());
      }
      double label = Double.parseDouble(cells[FEATURES].trim());
      if (label != Math.rint(label) || label < 0 || label > 9) {
        throw new IOException(
            "line " + lineNumber + ": label must be a digit 0..9, got " + cells[FEATURES]);
      }
      rows.add(row);
      labels.add((int) label);
    }
    return new DigitsData(
        Matrix.of(rows.toArray(double[][]::new)),
        labels.stream().mapToInt(Integer::intValue).toArray());
  }

  /** Name of each feature as scikit-learn gives it: {@code pixel_<row>_<column>}. */
  public static List<String> featureNames() {
    List<String> names = new ArrayList<>(FEATURES);
    for (int r = 0; r < IMAGE_SIDE; r++) {
      for (int c = 0; c < IMAGE_SIDE; c++) {
        names.add("pixel_" + r + "_" + c);
      }
    }
    return List.copyOf(names);
  }

  public int rows() {
    return labels.length;
  }

  @Override
  public int[] labels() {
    return labels.clone();
  }

  /**
   * A shuffled train/test split: a Fisher-Yates shuffle driven by {@code new Random(seed)} (whose
   * sequence the JDK specifies, so the split is the same on every JVM), then the first {@code
   * ceil(rows * testFraction)} shuffled rows are the test set, as in scikit-learn's {@code
   * train_test_split}.
   */
  public Split split(double testFraction, long seed) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException(
          "testFraction must be between 0 and 1 (exclusive), was " + testFraction);
    }
    int n = rows();
    int testRows = (int) Math.ceil(n * testFraction);
    if (testRows >= n) {
      throw new IllegalArgumentException(
          "testFraction " + testFraction + " leaves no training rows out of " + n);
    }
    int[] order = new int[n];
    Arrays.setAll(order, i -> i);
    Random random = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    int[] test = Arrays.copyOfRange(order, 0, testRows);
    int[] train = Arrays.copyOfRange(order, testRows, n);
    return new Split(
        features.selectRows(train),
        features.selectRows(test),
        pick(labels, train),
        pick(labels, test));
  }

  private static int[] pick(int[] values, int[] indices) {
    int[] out = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      out[i] = values[indices[i]];
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DigitsData d
        && d.features.equals(features)
        && Arrays.equals(d.labels, labels);
  }

  @Override
  public int hashCode() {
    return 31 * features.hashCode() + Arrays.hashCode(labels);
  }

  @Override
  public String toString() {
    return "DigitsData[" + features.rows() + " rows x " + features.cols() + " features]";
  }
}
