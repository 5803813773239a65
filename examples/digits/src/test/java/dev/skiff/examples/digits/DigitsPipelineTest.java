package dev.skiff.examples.digits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.examples.digits.DigitsPipeline.Split;
import dev.skiff.examples.digits.DigitsPipeline.SplitConfig;
import dev.skiff.examples.digits.DigitsPipeline.SvmConfig;
import dev.skiff.sdk.CurrentStep;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.StepContext;
import dev.skiff.sdk.StepLog;
import dev.skiff.sdk.Visualization;
import dev.skiff.sdk.internal.Lambdas;
import dev.skiff.sdk.internal.OutputRef;
import dev.skiff.sdk.internal.PipelineRecorder;
import dev.skiff.sdk.internal.StepDeclaration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DigitsPipelineTest {

  @AfterEach
  void unbind() {
    CurrentStep.clear();
  }

  @Test
  void isNamedDigitsAndHasAPublicNoArgConstructor() throws Exception {
    PipelineDefinition definition = DigitsPipeline.class.getConstructor().newInstance();
    assertThat(definition.name()).isEqualTo("digits");
  }

  @Test
  void declaresTheFourStepsAndTheirWiring() {
    Map<String, StepDeclaration> steps =
        PipelineRecorder.record(new DigitsPipeline()).steps().stream()
            .collect(Collectors.toMap(StepDeclaration::name, s -> s));

    assertThat(steps).containsOnlyKeys("importer", "trainer", "evaluator", "skew_comparison");
    assertThat(inputs(steps.get("importer"))).containsExactly("param:" + new SplitConfig(0.2, 42));
    assertThat(inputs(steps.get("trainer")))
        .containsExactly("importer.xTrain", "importer.yTrain", "param:" + new SvmConfig(10.0, 0.5));
    assertThat(inputs(steps.get("evaluator")))
        .containsExactly("importer.xTest", "importer.yTest", "trainer.output");
    assertThat(inputs(steps.get("skew_comparison")))
        .containsExactly("importer.xTrain", "importer.xTest");
    assertThat(Lambdas.methodName(steps.get("importer").code())).contains("importer");
    assertThat(Lambdas.methodName(steps.get("trainer").code())).contains("trainSvc");
    assertThat(Lambdas.methodName(steps.get("evaluator").code())).contains("evaluate");
    assertThat(Lambdas.methodName(steps.get("skew_comparison").code())).contains("compare");
  }

  @Test
  void stepsRunOutsideAPipeline() {
    Split split = Fixtures.split();
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    double accuracy;
    try {
      accuracy = DigitsPipeline.evaluate(split.xTest(), split.yTest(), Fixtures.model());
    } finally {
      System.setOut(stdout);
    }
    assertThat(accuracy).isGreaterThan(0.95);
    assertThat(captured.toString(StandardCharsets.UTF_8)).matches("Test accuracy: 0\\.9\\d{3}\\R");
  }

  @Test
  void stepsLogAndVisualizeInsideAStep() {
    Split split = Fixtures.split();
    RecordingContext context = new RecordingContext();
    CurrentStep.set(context);

    double accuracy = DigitsPipeline.evaluate(split.xTest(), split.yTest(), Fixtures.model());
    SkewReport report = DigitsPipeline.compare(split.xTrain(), split.xTest());

    assertThat(context.lines).anySatisfy(line -> assertThat(line).startsWith("Test accuracy: 0.9"));
    assertThat(context.lines)
        .anySatisfy(line -> assertThat(line).startsWith("Largest mean shifts: pixel_"));
    assertThat(context.visualizations)
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.name()).isEqualTo("skew_report");
              assertThat(v.kind()).isEqualTo(Visualization.Kind.HTML);
              assertThat(new String(v.content(), StandardCharsets.UTF_8))
                  .isEqualTo(SkewReportHtml.render(report));
            });
    assertThat(accuracy).isGreaterThan(0.95);
  }

  @Test
  void importerAndTrainerLogInsideAStep() {
    RecordingContext context = new RecordingContext();
    CurrentStep.set(context);

    DigitsPipeline.importer(new SplitConfig(0.2, 42));

    assertThat(context.lines)
        .containsExactly("Loaded 1797 digits: 1437 for training, 360 for testing (seed 42)");
  }

  private static List<String> inputs(StepDeclaration step) {
    return step.inputs().stream()
        .map(in -> in instanceof Param<?> p ? "param:" + p.value() : ((OutputRef<?>) in).toString())
        .toList();
  }

  /** A step context that keeps what the step logged and attached. */
  private static final class RecordingContext implements StepContext {
    final List<String> lines = new ArrayList<>();
    final List<Visualization> visualizations = new ArrayList<>();

    @Override
    public String runId() {
      return "run-1";
    }

    @Override
    public String pipelineName() {
      return "digits";
    }

    @Override
    public String stepName() {
      return "step";
    }

    @Override
    public int attempt() {
      return 1;
    }

    @Override
    public StepLog log() {
      return new StepLog() {
        @Override
        public void info(String message, Object... args) {
          lines.add(format(message, args));
        }

        @Override
        public void warn(String message, Object... args) {
          lines.add(format(message, args));
        }

        @Override
        public void error(String message, Object... args) {
          lines.add(format(message, args));
        }
      };
    }

    @Override
    public void visualize(Visualization visualization) {
      visualizations.add(visualization);
    }

    private static String format(String message, Object... args) {
      StringBuilder out = new StringBuilder();
      int arg = 0;
      int from = 0;
      for (int i = message.indexOf("{}"); i >= 0; i = message.indexOf("{}", from)) {
        out.append(message, from, i).append(arg < args.length ? args[arg++] : "{}");
        from = i + 2;
      }
      return out.append(message.substring(from)).toString();
    }
  }
}
