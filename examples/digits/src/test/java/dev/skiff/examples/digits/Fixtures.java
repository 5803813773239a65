package dev.skiff.examples.digits;

import dev.skiff.examples.digits.DigitsPipeline.Split;
import dev.skiff.examples.digits.DigitsPipeline.SplitConfig;
import dev.skiff.examples.digits.DigitsPipeline.SvmConfig;

/** The pipeline's default split and model, computed once for all test classes. */
final class Fixtures {
  static final SplitConfig SPLIT_CONFIG = new SplitConfig(0.2, 42);
  static final SvmConfig SVM_CONFIG = new SvmConfig(10.0, 0.5);

  private Fixtures() {}

  static Split split() {
    return Holder.SPLIT;
  }

  static SvmModel model() {
    return Holder.MODEL;
  }

  /** Milliseconds the one training run took. */
  static long trainingMillis() {
    return Holder.TRAINING_MILLIS;
  }

  private static final class Holder {
    static final Split SPLIT = DigitsPipeline.importer(SPLIT_CONFIG);
    static final long TRAINING_MILLIS;
    static final SvmModel MODEL;

    static {
      long start = System.nanoTime();
      MODEL = DigitsPipeline.trainSvc(SPLIT.xTrain(), SPLIT.yTrain(), SVM_CONFIG);
      TRAINING_MILLIS = (System.nanoTime() - start) / 1_000_000;
    }
  }
}
