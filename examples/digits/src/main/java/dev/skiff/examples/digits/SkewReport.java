package dev.skiff.examples.digits;

import dev.skiff.sdk.Matrix;
import dev.skiff.sdk.SingleArtifact;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Per-feature statistics of two data sets with the same columns (typically train and test), to spot
 * training/serving skew: counts, missing values, mean, standard deviation, range and a histogram
 * over bins shared by both sides.
 *
 * @param referenceName label of the reference data, e.g. {@code train}
 * @param comparisonName label of the compared data, e.g. {@code test}
 * @param referenceRows rows of the reference data
 * @param comparisonRows rows of the compared data
 * @param features one entry per column, in column order
 * @param largestShifts column indices of the (at most {@link #TOP_SHIFTS}) features with the
 *     largest absolute {@link FeatureSkew#meanShift()}, largest first
 */
@SingleArtifact
public record SkewReport(
    String referenceName,
    String comparisonName,
    int referenceRows,
    int comparisonRows,
    List<FeatureSkew> features,
    List<Integer> largestShifts) {

  /** How many features the summary lists. */
  public static final int TOP_SHIFTS = 10;

  /** Data with at most this many distinct integers gets one bin per integer. */
  static final int MAX_INTEGER_BINS = 32;

  /** Bins of the histogram of non-integer data (or integers over a wide range). */
  static final int DEFAULT_BINS = 20;

  /** Largest absolute mean shift first, undefined (NaN) shifts last, ties by column. */
  static final Comparator<FeatureSkew> LARGEST_SHIFT_FIRST =
      Comparator.comparingDouble(
              (FeatureSkew f) -> Double.isNaN(f.meanShift()) ? -1 : Math.abs(f.meanShift()))
          .reversed()
          .thenComparingInt(FeatureSkew::index);

  public SkewReport {
    Objects.requireNonNull(referenceName, "referenceName");
    Objects.requireNonNull(comparisonName, "comparisonName");
    features = List.copyOf(features);
    largestShifts = List.copyOf(largestShifts);
  }

  /**
   * Statistics of one feature in one data set, over its finite values.
   *
   * @param count finite values
   * @param missing values that are NaN or infinite: not counted in the other statistics
   * @param mean mean; NaN when {@code count} is 0 (as are std, min and max)
   * @param std population standard deviation (divides by {@code count})
   * @param min smallest value
   * @param max largest value
   * @param histogram finite values per bin of {@link FeatureSkew#binEdges()}
   */
  public record FeatureStats(
      long count, long missing, double mean, double std, double min, double max, long[] histogram) {
    public FeatureStats {
      histogram = histogram.clone();
    }

    @Override
    public long[] histogram() {
      return histogram.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FeatureStats s
          && s.count == count
          && s.missing == missing
          && Double.compare(s.mean, mean) == 0
          && Double.compare(s.std, std) == 0
          && Double.compare(s.min, min) == 0
          && Double.compare(s.max, max) == 0
          && Arrays.equals(s.histogram, histogram);
    }

    @Override
    public int hashCode() {
      return Objects.hash(count, missing, mean, std, min, max, Arrays.hashCode(histogram));
    }

    @Override
    public String toString() {
      return "FeatureStats[count="
          + count
          + ", missing="
          + missing
          + ", mean="
          + mean
          + ", std="
          + std
          + ", min="
          + min
          + ", max="
          + max
          + ", histogram="
          + Arrays.toString(histogram)
          + "]";
    }
  }

  /**
   * One feature on both sides.
   *
   * @param index column index
   * @param name feature name
   * @param binEdges {@code bins + 1} ascending edges shared by both histograms; bin {@code i} is
   *     {@code [binEdges[i], binEdges[i+1])}, the last one also holds its upper edge. Empty when
   *     neither side has a finite value.
   * @param reference statistics of the reference data
   * @param comparison statistics of the compared data
   * @param meanShift {@code (comparison mean - reference mean) / sqrt((reference var + comparison
   *     var) / 2)}: the shift in pooled standard deviations. 0 when both sides are the same
   *     constant, infinite when they are different constants, NaN when a side has no values.
   */
  public record FeatureSkew(
      int index,
      String name,
      double[] binEdges,
      FeatureStats reference,
      FeatureStats comparison,
      double meanShift) {
    public FeatureSkew {
      Objects.requireNonNull(name, "name");
      binEdges = binEdges.clone();
    }

    @Override
    public double[] binEdges() {
      return binEdges.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FeatureSkew f
          && f.index == index
          && f.name.equals(name)
          && Arrays.equals(f.binEdges, binEdges)
          && f.reference.equals(reference)
          && f.comparison.equals(comparison)
          && Double.compare(f.meanShift, meanShift) == 0;
    }

    @Override
    public int hashCode() {
      return Objects.hash(index, name, Arrays.hashCode(binEdges), reference, comparison, meanShift);
    }

    @Override
    public String toString() {
      return "FeatureSkew["
          + index
          + " "
          + name
          + ", meanShift="
          + meanShift
          + ", reference="
          + reference
          + ", comparison="
          + comparison
          + "]";
    }
  }

  /**
   * Compares {@code reference} and {@code comparison} column by column; {@code featureNames} names
   * the columns.
   */
  public static SkewReport compute(
      String referenceName,
      Matrix reference,
      String comparisonName,
      Matrix comparison,
      List<String> featureNames) {
    if (reference.cols() != comparison.cols()) {
      throw new IllegalArgumentException(
          "cannot compare " + reference.cols() + " columns with " + comparison.cols() + " columns");
    }
    if (featureNames.size() != reference.cols()) {
      throw new IllegalArgumentException(
          featureNames.size() + " feature names for " + reference.cols() + " columns");
    }
    List<FeatureSkew> features = new ArrayList<>(reference.cols());
    for (int c = 0; c < reference.cols(); c++) {
      features.add(feature(c, featureNames.get(c), reference.column(c), comparison.column(c)));
    }
    List<Integer> largest =
        features.stream()
            .filter(f -> !Double.isNaN(f.meanShift()))
            .sorted(LARGEST_SHIFT_FIRST)
            .limit(TOP_SHIFTS)
            .map(FeatureSkew::index)
            .toList();
    return new SkewReport(
        referenceName, comparisonName, reference.rows(), comparison.rows(), features, largest);
  }

  /** The feature of column {@code index}. */
  public FeatureSkew feature(int index) {
    return features.get(index);
  }

  static FeatureSkew feature(int index, String name, double[] reference, double[] comparison) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    boolean integers = true;
    for (double[] side : List.of(reference, comparison)) {
      for (double v : side) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
          integers &= v == Math.rint(v);
        }
      }
    }
    double[] edges = lo > hi ? new double[0] : binEdges(lo, hi, integers);
    FeatureStats ref = stats(reference, edges);
    FeatureStats comp = stats(comparison, edges);
    return new FeatureSkew(index, name, edges, ref, comp, meanShift(ref, comp));
  }

  static double[] binEdges(double lo, double hi, boolean integers) {
    if (lo == hi) {
      return new double[] {lo, lo + 1};
    }
    if (integers && hi - lo + 1 <= MAX_INTEGER_BINS) {
      int bins = (int) (hi - lo) + 1;
      double[] edges = new double[bins + 1];
      for (int i = 0; i <= bins; i++) {
        edges[i] = lo + i;
      }
      return edges;
    }
    double[] edges = new double[DEFAULT_BINS + 1];
    for (int i = 0; i <= DEFAULT_BINS; i++) {
      edges[i] = lo + (hi - lo) * i / DEFAULT_BINS;
    }
    edges[DEFAULT_BINS] = hi;
    return edges;
  }

  static FeatureStats stats(double[] values, double[] edges) {
    long count = 0;
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      if (Double.isFinite(v)) {
        count++;
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    long missing = values.length - count;
    int bins = Math.max(0, edges.length - 1);
    long[] histogram = new long[bins];
    if (count == 0) {
      return new FeatureStats(
          0, missing, Double.NaN, Double.NaN, Double.NaN, Double.NaN, histogram);
    }
    double mean = sum / count;
    double squares = 0;
    for (double v : values) {
      if (Double.isFinite(v)) {
        double d = v - mean;
        squares += d * d;
        histogram[bin(v, edges)]++;
      }
    }
    return new FeatureStats(count, missing, mean, Math.sqrt(squares / count), min, max, histogram);
  }

  /** Index of the bin holding {@code v}, which lies within the edges. */
  private static int bin(double v, double[] edges) {
    int i = Arrays.binarySearch(edges, v);
    int bin = i >= 0 ? i : -i - 2;
    return Math.max(0, Math.min(bin, edges.length - 2));
  }

  private static double meanShift(FeatureStats ref, FeatureStats comp) {
    if (ref.count() == 0 || comp.count() == 0) {
      return Double.NaN;
    }
    double diff = comp.mean() - ref.mean();
    double pooled = Math.sqrt((ref.std() * ref.std() + comp.std() * comp.std()) / 2);
    if (pooled == 0) {
      return diff == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, diff);
    }
    return diff / pooled;
  }
}
