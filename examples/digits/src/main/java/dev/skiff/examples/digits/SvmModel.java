package dev.skiff.examples.digits;

import dev.skiff.sdk.Matrix;
import dev.skiff.sdk.SingleArtifact;
import java.util.Arrays;
import java.util.Objects;

/**
 * A trained multi-class RBF support vector machine as plain data: the fields of a libsvm {@code
 * svm_model} (C-SVC, RBF kernel), with dense support vectors. It predicts by itself, exactly as
 * libsvm's {@code svm_predict} does (one-vs-one decision values, then voting; ties go to the class
 * that comes first), and is stored as JSON, never with Java serialization.
 *
 * <p>Inputs are raw feature rows; the model multiplies them by {@link #inputScale()} first, so the
 * preprocessing travels with the model.
 *
 * @param classes the label of each class, in libsvm's class order
 * @param supportVectorCounts how many support vectors each class has ({@code nSV}); the support
 *     vectors are grouped by class in that order
 * @param supportVectors one dense row of {@code featureCount} scaled values per support vector
 * @param coefficients {@code classes - 1} rows of one coefficient per support vector ({@code
 *     sv_coef})
 * @param rho the bias of each one-vs-one classifier, pairs (0,1), (0,2) … (1,2) … in order
 * @param gamma the RBF kernel width: {@code k(x, y) = exp(-gamma * |x - y|^2)}
 * @param inputScale factor applied to every raw input value before the kernel
 * @param featureCount the number of features of an input row
 */
@SingleArtifact
public record SvmModel(
    int[] classes,
    int[] supportVectorCounts,
    double[][] supportVectors,
    double[][] coefficients,
    double[] rho,
    double gamma,
    double inputScale,
    int featureCount) {

  public SvmModel {
    int k = classes.length;
    if (k < 2) {
      throw new IllegalArgumentException("an SVM needs at least 2 classes, got " + k);
    }
    if (supportVectorCounts.length != k) {
      throw new IllegalArgumentException(
          k + " classes but " + supportVectorCounts.length + " support vector counts");
    }
    int l = Arrays.stream(supportVectorCounts).sum();
    if (supportVectors.length != l) {
      throw new IllegalArgumentException(
          "support vector counts add up to " + l + ", got " + supportVectors.length);
    }
    for (double[] sv : supportVectors) {
      if (sv.length != featureCount) {
        throw new IllegalArgumentException(
            "support vector of " + sv.length + " values, expected " + featureCount);
      }
    }
    if (coefficients.length != k - 1) {
      throw new IllegalArgumentException(
          (k - 1) + " coefficient rows expected, got " + coefficients.length);
    }
    for (double[] row : coefficients) {
      if (row.length != l) {
        throw new IllegalArgumentException(
            "coefficient row of " + row.length + " values, expected " + l);
      }
    }
    if (rho.length != k * (k - 1) / 2) {
      throw new IllegalArgumentException(
          (k * (k - 1) / 2) + " rho values expected, got " + rho.length);
    }
    if (!(gamma > 0) || !Double.isFinite(gamma) || !Double.isFinite(inputScale)) {
      throw new IllegalArgumentException("gamma must be positive and finite, inputScale finite");
    }
    classes = classes.clone();
    supportVectorCounts = supportVectorCounts.clone();
    supportVectors = deepCopy(supportVectors);
    coefficients = deepCopy(coefficients);
    rho = rho.clone();
  }

  /** The predicted label of each row of {@code x} (raw, unscaled values). */
  public int[] predict(Matrix x) {
    int[] out = new int[x.rows()];
    for (int r = 0; r < out.length; r++) {
      out[r] = predict(x.row(r));
    }
    return out;
  }

  /** The predicted label of one raw, unscaled feature row. */
  public int predict(double[] row) {
    if (row.length != featureCount) {
      throw new IllegalArgumentException(
          "row of " + row.length + " features, model expects " + featureCount);
    }
    int l = supportVectors.length;
    double[] kernel = new double[l];
    for (int i = 0; i < l; i++) {
      // Sum in feature order, as libsvm's sparse k_function does for these values.
      double[] sv = supportVectors[i];
      double sum = 0;
      for (int f = 0; f < featureCount; f++) {
        double d = row[f] * inputScale - sv[f];
        sum += d * d;
      }
      kernel[i] = Math.exp(-gamma * sum);
    }
    int k = classes.length;
    int[] start = new int[k];
    for (int i = 1; i < k; i++) {
      start[i] = start[i - 1] + supportVectorCounts[i - 1];
    }
    int[] votes = new int[k];
    int p = 0;
    for (int i = 0; i < k; i++) {
      for (int j = i + 1; j < k; j++) {
        double sum = 0;
        double[] coefI = coefficients[j - 1];
        double[] coefJ = coefficients[i];
        for (int s = 0; s < supportVectorCounts[i]; s++) {
          sum += coefI[start[i] + s] * kernel[start[i] + s];
        }
        for (int s = 0; s < supportVectorCounts[j]; s++) {
          sum += coefJ[start[j] + s] * kernel[start[j] + s];
        }
        sum -= rho[p++];
        if (sum > 0) {
          votes[i]++;
        } else {
          votes[j]++;
        }
      }
    }
    int best = 0;
    for (int i = 1; i < k; i++) {
      if (votes[i] > votes[best]) {
        best = i;
      }
    }
    return classes[best];
  }

  /** Share of rows of {@code x} whose prediction equals the label in {@code y}. */
  public double accuracy(Matrix x, int[] y) {
    if (x.rows() != y.length) {
      throw new IllegalArgumentException(x.rows() + " rows but " + y.length + " labels");
    }
    if (y.length == 0) {
      throw new IllegalArgumentException("accuracy of an empty test set is undefined");
    }
    int[] predicted = predict(x);
    int correct = 0;
    for (int i = 0; i < y.length; i++) {
      if (predicted[i] == y[i]) {
        correct++;
      }
    }
    return (double) correct / y.length;
  }

  @Override
  public int[] classes() {
    return classes.clone();
  }

  @Override
  public int[] supportVectorCounts() {
    return supportVectorCounts.clone();
  }

  @Override
  public double[][] supportVectors() {
    return deepCopy(supportVectors);
  }

  @Override
  public double[][] coefficients() {
    return deepCopy(coefficients);
  }

  @Override
  public double[] rho() {
    return rho.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SvmModel m
        && Arrays.equals(m.classes, classes)
        && Arrays.equals(m.supportVectorCounts, supportVectorCounts)
        && Arrays.deepEquals(m.supportVectors, supportVectors)
        && Arrays.deepEquals(m.coefficients, coefficients)
        && Arrays.equals(m.rho, rho)
        && Double.compare(m.gamma, gamma) == 0
        && Double.compare(m.inputScale, inputScale) == 0
        && m.featureCount == featureCount;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        Arrays.hashCode(classes),
        Arrays.hashCode(supportVectorCounts),
        Arrays.deepHashCode(supportVectors),
        Arrays.deepHashCode(coefficients),
        Arrays.hashCode(rho),
        gamma,
        inputScale,
        featureCount);
  }

  @Override
  public String toString() {
    return "SvmModel[classes="
        + Arrays.toString(classes)
        + ", supportVectors="
        + supportVectors.length
        + ", gamma="
        + gamma
        + ", inputScale="
        + inputScale
        + ", features="
        + featureCount
        + "]";
  }

  private static double[][] deepCopy(double[][] a) {
    double[][] out = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }
}
