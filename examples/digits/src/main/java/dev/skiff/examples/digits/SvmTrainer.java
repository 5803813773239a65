package dev.skiff.examples.digits;

import dev.skiff.sdk.Matrix;
import java.util.Arrays;
import java.util.List;
import libsvm.svm;
import libsvm.svm_model;
import libsvm.svm_node;
import libsvm.svm_parameter;
import libsvm.svm_print_interface;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.libsvm.LibSVMClassificationModel;
import org.tribuo.classification.libsvm.LibSVMClassificationTrainer;
import org.tribuo.classification.libsvm.SVMClassificationType;
import org.tribuo.classification.libsvm.SVMClassificationType.SVMMode;
import org.tribuo.common.libsvm.KernelType;
import org.tribuo.common.libsvm.SVMParameters;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Trains a C-SVC with an RBF kernel through Tribuo's libsvm binding and turns the result into a
 * plain {@link SvmModel} record.
 */
final class SvmTrainer {
  /** Seed Tribuo hands to libsvm; C-SVC training without probability estimates is deterministic. */
  private static final long SEED = 1L;

  private static final svm_print_interface QUIET = message -> {};

  private SvmTrainer() {}

  /**
   * Trains on {@code x} (raw values, multiplied by {@code inputScale} before training) and labels
   * {@code y}; {@code cost} is libsvm's C and {@code gamma} the RBF width.
   */
  static SvmModel train(Matrix x, int[] y, double cost, double gamma, double inputScale) {
    LibSVMClassificationModel tribuo = trainTribuo(x, y, cost, gamma, inputScale);
    return toSvmModel(tribuo, x.cols(), inputScale);
  }

  /** The Tribuo model itself; tests compare its predictions with the record's. */
  static LibSVMClassificationModel trainTribuo(
      Matrix x, int[] y, double cost, double gamma, double inputScale) {
    if (x.rows() != y.length) {
      throw new IllegalArgumentException(x.rows() + " rows but " + y.length + " labels");
    }
    if (!(cost > 0) || !(gamma > 0)) {
      throw new IllegalArgumentException(
          "cost and gamma must be positive, were " + cost + " and " + gamma);
    }
    LabelFactory labels = new LabelFactory();
    MutableDataset<Label> data =
        new MutableDataset<>(
            new SimpleDataSourceProvenance("digits training split", labels), labels);
    String[] names = featureNames(x.cols());
    for (int r = 0; r < x.rows(); r++) {
      data.add(example(names, x.row(r), inputScale, new Label(Integer.toString(y[r]))));
    }
    svm.svm_set_print_string_function(QUIET); // libsvm prints its progress to stdout by default
    SVMParameters<Label> params =
        new SVMParameters<>(new SVMClassificationType(SVMMode.C_SVC), KernelType.RBF);
    params.setCost(cost);
    params.setGamma(gamma);
    return (LibSVMClassificationModel) new LibSVMClassificationTrainer(params, SEED).train(data);
  }

  /** A Tribuo example of one raw row, scaled as in training; its label is unknown. */
  static Example<Label> example(double[] row, double inputScale) {
    return example(featureNames(row.length), row, inputScale, LabelFactory.UNKNOWN_LABEL);
  }

  /**
   * Copies libsvm's model out of Tribuo, mapping feature ids to columns and label ids to digits.
   */
  static SvmModel toSvmModel(
      LibSVMClassificationModel tribuo, int featureCount, double inputScale) {
    List<svm_model> inner = tribuo.getInnerModels();
    if (inner.size() != 1) {
      throw new IllegalStateException("expected one libsvm model, Tribuo holds " + inner.size());
    }
    svm_model m = inner.get(0);
    if (m.param.svm_type != svm_parameter.C_SVC || m.param.kernel_type != svm_parameter.RBF) {
      throw new IllegalStateException("expected a C-SVC with an RBF kernel");
    }
    ImmutableFeatureMap features = tribuo.getFeatureIDMap();
    int[] columnOfId = new int[features.size()];
    for (int id = 0; id < columnOfId.length; id++) {
      columnOfId[id] = column(features.get(id).getName());
    }
    double[][] supportVectors = new double[m.l][featureCount];
    for (int i = 0; i < m.l; i++) {
      for (svm_node node : m.SV[i]) {
        supportVectors[i][columnOfId[node.index]] = node.value;
      }
    }
    ImmutableOutputInfo<Label> outputs = tribuo.getOutputIDInfo();
    int[] classes = new int[m.nr_class];
    for (int c = 0; c < classes.length; c++) {
      classes[c] = Integer.parseInt(outputs.getOutput(m.label[c]).getLabel());
    }
    return new SvmModel(
        classes,
        Arrays.copyOf(m.nSV, m.nr_class),
        supportVectors,
        m.sv_coef,
        Arrays.copyOf(m.rho, m.nr_class * (m.nr_class - 1) / 2),
        m.param.gamma,
        inputScale,
        featureCount);
  }

  /** The record as a libsvm model, whose labels are the digits; for {@code svm.svm_predict}. */
  static svm_model toLibsvm(SvmModel model) {
    svm_parameter param = new svm_parameter();
    param.svm_type = svm_parameter.C_SVC;
    param.kernel_type = svm_parameter.RBF;
    param.gamma = model.gamma();
    svm_model m = new svm_model();
    m.param = param;
    m.nr_class = model.classes().length;
    double[][] sv = model.supportVectors();
    m.l = sv.length;
    m.SV = new svm_node[m.l][];
    for (int i = 0; i < m.l; i++) {
      m.SV[i] = nodes(sv[i], 1.0);
    }
    m.sv_coef = model.coefficients();
    m.rho = model.rho();
    m.label = model.classes();
    m.nSV = model.supportVectorCounts();
    return m;
  }

  /** libsvm nodes of one row times {@code scale}, one per column, index = column. */
  static svm_node[] nodes(double[] row, double scale) {
    svm_node[] out = new svm_node[row.length];
    for (int c = 0; c < row.length; c++) {
      out[c] = new svm_node();
      out[c].index = c;
      out[c].value = row[c] * scale;
    }
    return out;
  }

  private static Example<Label> example(
      String[] names, double[] row, double inputScale, Label label) {
    double[] scaled = new double[row.length];
    for (int c = 0; c < row.length; c++) {
      scaled[c] = row[c] * inputScale;
    }
    return new ArrayExample<>(label, names, scaled);
  }

  /**
   * Zero-padded, so Tribuo's sorted feature ids follow the column order: {@code f00}, {@code f01} …
   */
  private static String[] featureNames(int count) {
    String[] names = new String[count];
    int width = Integer.toString(Math.max(0, count - 1)).length();
    for (int c = 0; c < count; c++) {
      names[c] = "f" + "0".repeat(width - Integer.toString(c).length()) + c;
    }
    return names;
  }

  private static int column(String featureName) {
    return Integer.parseInt(featureName.substring(1));
  }
}
