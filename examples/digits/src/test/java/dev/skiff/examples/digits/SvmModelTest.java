package dev.skiff.examples.digits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.examples.digits.DigitsPipeline.Split;
import dev.skiff.sdk.Matrix;
import java.util.Arrays;
import libsvm.svm;
import libsvm.svm_model;
import org.junit.jupiter.api.Test;
import org.tribuo.classification.libsvm.LibSVMClassificationModel;

class SvmModelTest {

  @Test
  void trainedModelIsAccurateOnTheTestSplit() {
    Split split = Fixtures.split();
    SvmModel model = Fixtures.model();

    double accuracy = DigitsPipeline.evaluate(split.xTest(), split.yTest(), model);

    System.out.printf(
        "Training took %d ms; %d support vectors; test accuracy %.4f%n",
        Fixtures.trainingMillis(), model.supportVectors().length, accuracy);
    assertThat(accuracy).isGreaterThan(0.95);
    assertThat(model.classes()).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(model.featureCount()).isEqualTo(64);
    assertThat(model.gamma()).isEqualTo(0.5);
    assertThat(model.inputScale()).isEqualTo(1.0 / 16);
  }

  @Test
  void recordPredictsExactlyLikeTribuoAndLibsvm() {
    Split split = Fixtures.split();
    Matrix xTrain = split.xTrain();
    LibSVMClassificationModel tribuo =
        SvmTrainer.trainTribuo(xTrain, split.yTrain(), 10.0, 0.5, DigitsPipeline.PIXEL_SCALE);
    SvmModel record = SvmTrainer.toSvmModel(tribuo, 64, DigitsPipeline.PIXEL_SCALE);
    svm_model rebuilt = SvmTrainer.toLibsvm(record);

    assertThat(record).isEqualTo(Fixtures.model()); // training is deterministic
    Matrix xTest = split.xTest();
    int[] ours = record.predict(xTest);
    for (int r = 0; r < xTest.rows(); r++) {
      double[] row = xTest.row(r);
      int byTribuo =
          Integer.parseInt(
              tribuo
                  .predict(SvmTrainer.example(row, DigitsPipeline.PIXEL_SCALE))
                  .getOutput()
                  .getLabel());
      int byLibsvm =
          (int) svm.svm_predict(rebuilt, SvmTrainer.nodes(row, DigitsPipeline.PIXEL_SCALE));
      assertThat(ours[r]).as("row %d", r).isEqualTo(byTribuo).isEqualTo(byLibsvm);
    }
    // Also on the training rows, where the decision values are closest to the margins.
    int[] oursTrain = record.predict(xTrain);
    for (int r = 0; r < xTrain.rows(); r++) {
      int byLibsvm =
          (int)
              svm.svm_predict(rebuilt, SvmTrainer.nodes(xTrain.row(r), DigitsPipeline.PIXEL_SCALE));
      assertThat(oursTrain[r]).as("training row %d", r).isEqualTo(byLibsvm);
    }
  }

  @Test
  void survivesAJsonRoundTrip() throws Exception {
    SvmModel model = Fixtures.model();
    ObjectMapper json = new ObjectMapper();

    String text = json.writeValueAsString(model);
    SvmModel back = json.readValue(text, SvmModel.class);

    assertThat(text).contains("\"supportVectors\"", "\"coefficients\"", "\"rho\"", "\"gamma\"");
    assertThat(back).isEqualTo(model).hasSameHashCodeAs(model);
    Matrix xTest = Fixtures.split().xTest();
    assertThat(back.predict(xTest)).containsExactly(model.predict(xTest));
    assertThat(json.writeValueAsString(back)).isEqualTo(text);
  }

  @Test
  void isImmutable() {
    SvmModel model = Fixtures.model();
    double before = model.supportVectors()[0][10];
    model.supportVectors()[0][10] = 99;
    model.rho()[0] = 99;
    assertThat(model.supportVectors()[0][10]).isEqualTo(before);
    assertThat(model.rho()[0]).isNotEqualTo(99);
  }

  @Test
  void votesOneVersusOneLikeLibsvm() {
    // Three classes, one support vector each, at 0, 1 and 2 on one feature; gamma 1, rho 0.
    // Pair (i, j) decides sign(coef_i * k(x, sv_i) - coef_j * k(x, sv_j)): the nearest wins.
    SvmModel model =
        new SvmModel(
            new int[] {7, 8, 9},
            new int[] {1, 1, 1},
            new double[][] {{0}, {1}, {2}},
            new double[][] {{1, -1, -1}, {1, 1, -1}},
            new double[] {0, 0, 0},
            1.0,
            1.0,
            1);
    assertThat(model.predict(new double[] {-0.5})).isEqualTo(7);
    assertThat(model.predict(new double[] {1.1})).isEqualTo(8);
    assertThat(model.predict(new double[] {5})).isEqualTo(9);
    double[] probes = {-3, -0.5, 0.4, 0.6, 1, 1.4, 1.6, 3};
    svm_model libsvm = SvmTrainer.toLibsvm(model);
    for (double x : probes) {
      assertThat(model.predict(new double[] {x}))
          .isEqualTo((int) svm.svm_predict(libsvm, SvmTrainer.nodes(new double[] {x}, 1.0)));
    }
  }

  @Test
  void rejectsInconsistentShapes() {
    assertThatThrownBy(
            () ->
                new SvmModel(
                    new int[] {1},
                    new int[] {1},
                    new double[][] {{0}},
                    new double[0][],
                    new double[0],
                    1,
                    1,
                    1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 classes");
    assertThatThrownBy(
            () ->
                new SvmModel(
                    new int[] {1, 2},
                    new int[] {1, 1},
                    new double[][] {{0}},
                    new double[][] {{1}},
                    new double[] {0},
                    1,
                    1,
                    1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("add up to 2");
    assertThatThrownBy(
            () ->
                new SvmModel(
                    new int[] {1, 2},
                    new int[] {1, 1},
                    new double[][] {{0}, {1, 2}},
                    new double[][] {{1, -1}},
                    new double[] {0},
                    1,
                    1,
                    1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("support vector of 2");
    assertThatThrownBy(() -> Fixtures.model().predict(new double[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64");
    assertThatThrownBy(() -> Fixtures.model().accuracy(Fixtures.split().xTest(), new int[2]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void toStringIsShort() {
    assertThat(Fixtures.model().toString()).startsWith("SvmModel[classes=").hasSizeLessThan(200);
    assertThat(Arrays.stream(Fixtures.model().supportVectorCounts()).sum())
        .isEqualTo(Fixtures.model().supportVectors().length);
  }
}
