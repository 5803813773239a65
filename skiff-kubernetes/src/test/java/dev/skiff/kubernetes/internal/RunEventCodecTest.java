package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.RunEvent;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator pod's event lines decode into the events it wrote, for every kind of run event
 * there is (found from the sealed interface, so an event added later is covered or named here).
 */
class RunEventCodecTest {
  static final String RUN = "hello-20261207-120000-ab12";
  static final RunPlan PLAN =
      new PlanCompiler(Materializers.load(RunEventCodecTest.class.getClassLoader()))
          .compile(new OneStep(), PipelineSettings.DEFAULTS);

  public static final class OneStep implements PipelineDefinition {
    static String hello() {
      return "hi";
    }

    @Override
    public String name() {
      return "hello";
    }

    @Override
    public void define(PipelineBuilder p) {
      p.step("hello", OneStep::hello);
    }
  }

  @Test
  void everyRunEventSurvivesTheRoundTrip() throws Exception {
    Class<?>[] types = RunEvent.class.getPermittedSubclasses();
    assertThat(types).isNotEmpty();
    for (Class<?> type : types) {
      for (boolean nulls : new boolean[] {false, true}) {
        RunEvent event = sample(type, nulls);
        String line = RunEventCodec.encode(event);

        assertThat(line).as("%s is one line", type.getSimpleName()).doesNotContain("\n");
        assertThat(RunEventCodec.decode(line, RUN, PLAN))
            .as("%s decoded from %s", type.getSimpleName(), line)
            .isEqualTo(event);
      }
    }
  }

  @Test
  void theEnvelopeIsVersionedCompactAndLeavesOutWhatTheClientHas() throws Exception {
    var mapper = new ObjectMapper();

    assertThat(
            RunEventCodec.encode(
                new RunEvent.StepSucceeded(RUN, "trainer", 1, Duration.ofMillis(1234))))
        .isEqualTo(
            "{\"v\":1,\"type\":\"StepSucceeded\",\"step\":\"trainer\",\"attempt\":1,\"tookMs\":1234}");
    JsonNode started =
        mapper.readTree(RunEventCodec.encode(new RunEvent.RunStarted(RUN, PLAN, true)));
    assertThat(started.toString()).isEqualTo("{\"v\":1,\"type\":\"RunStarted\",\"resumed\":true}");
    assertThat(RunEventCodec.encode(new RunEvent.StepFailed(RUN, "trainer", 2, "boom", null)))
        .as("a null component is left out")
        .isEqualTo(
            "{\"v\":1,\"type\":\"StepFailed\",\"step\":\"trainer\",\"attempt\":2,\"error\":\"boom\"}");
  }

  @Test
  void linesThatAreNotEventsAreRelayedAsTheyAre() {
    for (String line :
        List.of(
            "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space",
            "\tat dev.skiff.kubernetes.internal.OrchestratorMain.run(OrchestratorMain.java:80)",
            "",
            "{not json",
            "{\"v\":2,\"type\":\"StepStarted\",\"step\":\"a\",\"attempt\":1}",
            "{\"v\":1,\"type\":\"SomethingNew\",\"step\":\"a\"}",
            "{\"v\":1,\"type\":\"StepStarted\",\"step\":\"a\",\"attempt\":\"first\"}",
            "{\"type\":\"StepStarted\",\"step\":\"a\",\"attempt\":1}",
            "[1,2]",
            "trainer | a line printed the old way")) {
      assertThat(RunEventCodec.decode(line, RUN, PLAN))
          .isEqualTo(new RunEvent.OrchestratorLine(RUN, line));
    }
  }

  @Test
  void textIsRedactedBeforeItIsEscaped() {
    String secret = "pa\"ss\\word";
    String line =
        RunEventCodec.encode(
            new RunEvent.StepLogLine(RUN, "hello", "connecting with " + secret),
            text -> text.replace(secret, "{{secret.db.password}}"));

    assertThat(line).doesNotContain("ss\\\\word").contains("{{secret.db.password}}");
    assertThat(RunEventCodec.decode(line, RUN, PLAN))
        .isEqualTo(
            new RunEvent.StepLogLine(RUN, "hello", "connecting with {{secret.db.password}}"));
  }

  /** An event of {@code type} with a value of each component; with nulls where they may be. */
  static RunEvent sample(Class<?> type, boolean nulls) throws Exception {
    if (!type.isRecord()) {
      fail(type.getName() + " is not a record: teach RunEventCodec to carry it");
    }
    RecordComponent[] components = type.getRecordComponents();
    List<Object> args = new ArrayList<>();
    List<Class<?>> argTypes = new ArrayList<>();
    for (RecordComponent c : components) {
      assertThat(c.getName())
          .as("%s.%s clashes with the envelope", type.getSimpleName(), c.getName())
          .isNotIn("v", "type");
      argTypes.add(c.getType());
      args.add(
          c.getName().equals("runId")
              ? RUN
              : nulls && !c.getType().isPrimitive() && c.getType() != RunPlan.class
                  ? null
                  : value(type, c.getName(), c.getGenericType()));
    }
    return (RunEvent)
        type.getDeclaredConstructor(argTypes.toArray(Class<?>[]::new)).newInstance(args.toArray());
  }

  /**
   * A value of {@code type} that a lossy codec would not give back: quotes, line breaks, unicode.
   */
  static Object value(Class<?> record, String name, Type type) {
    if (type == String.class) {
      return name + " \"quoted\" \\ tab\t line\u2028 é ✓ {\"v\":1}";
    }
    if (type == int.class || type == Integer.class) {
      return 7;
    }
    if (type == long.class || type == Long.class) {
      return 1L << 40;
    }
    if (type == boolean.class || type == Boolean.class) {
      return true;
    }
    if (type == Duration.class) {
      return Duration.ofMillis(98_765); // carried in milliseconds
    }
    if (type == RunPlan.class) {
      return PLAN;
    }
    if (type == RunStatus.class) {
      return RunStatus.SUCCEEDED;
    }
    if (type instanceof Class<?> c && c.isEnum()) {
      return c.getEnumConstants()[c.getEnumConstants().length - 1];
    }
    if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
      return List.of(value(record, name, p.getActualTypeArguments()[0]));
    }
    if (type instanceof ParameterizedType p && p.getRawType() == Map.class) {
      return Map.of("k", value(record, name, p.getActualTypeArguments()[1]));
    }
    return fail(
        "RunEvent."
            + record.getSimpleName()
            + "."
            + name
            + " is of type "
            + type.getTypeName()
            + ", which this test cannot make a value of: add it to RunEventCodecTest.value and"
            + " check RunEventCodec carries it");
  }
}
