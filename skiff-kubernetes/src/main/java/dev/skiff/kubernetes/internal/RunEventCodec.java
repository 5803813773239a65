package dev.skiff.kubernetes.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.RunEvent;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The orchestrator pod's run events as JSON lines, one object per {@link RunEvent}, and back. The
 * pod writes them on stdout; the client reads them from the pod's log and hands the same records to
 * the listener a local run uses, so nothing parses printed text.
 *
 * <p>Envelope, version {@value #VERSION}: {@code {"v":1,"type":"<record name>", <fields>}} where
 * the fields are the record's components by name, in declaration order, except two the client
 * already has: {@code runId} (the run it follows) and any {@link RunPlan} (from the metadata
 * store). A {@link Duration} {@code took} is written as whole milliseconds {@code tookMs}; a null
 * component is left out. For example {@code
 * {"v":1,"type":"StepSucceeded","step":"trainer","attempt":1,"tookMs":1234}}.
 *
 * <p>The mapping is read from the records themselves (the permitted subclasses of the sealed {@link
 * RunEvent}), so an event added to core is carried without a change here. Any line that is not such
 * an object (the JVM's own stderr, a crash trace, an event of a newer version or type) decodes to
 * an {@link RunEvent.OrchestratorLine} holding the line as it is: nothing is dropped.
 */
public final class RunEventCodec {
  /** The envelope version this codec writes and reads. */
  public static final int VERSION = 1;

  private static final String MILLIS = "Ms";
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();
  private static final Map<String, Class<?>> TYPES = types();

  private RunEventCodec() {}

  /** One line (no line break) for {@code event}. */
  public static String encode(RunEvent event) {
    return encode(event, UnaryOperator.identity());
  }

  /**
   * One line for {@code event}, every text in it passed through {@code redact} first (so a secret
   * value is replaced before JSON escaping could hide it from the redactor).
   */
  public static String encode(RunEvent event, UnaryOperator<String> redact) {
    ObjectNode json = MAPPER.createObjectNode();
    json.put("v", VERSION);
    json.put("type", event.getClass().getSimpleName());
    for (RecordComponent c : event.getClass().getRecordComponents()) {
      if (carriedByTheClient(c)) {
        continue;
      }
      Object value = value(c, event);
      if (value == null) {
        continue;
      }
      if (value instanceof Duration d) {
        json.put(c.getName() + MILLIS, d.toMillis());
      } else if (value instanceof String s) {
        json.put(c.getName(), redact.apply(s));
      } else {
        json.set(c.getName(), MAPPER.valueToTree(value));
      }
    }
    try {
      return MAPPER.writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode " + event, e);
    }
  }

  /**
   * The event {@code line} encodes, for run {@code runId} of {@code plan}; any other line as an
   * {@link RunEvent.OrchestratorLine} of that run.
   */
  public static RunEvent decode(String line, String runId, RunPlan plan) {
    if (!line.startsWith("{")) {
      return new RunEvent.OrchestratorLine(runId, line); // the cheap answer for plain text
    }
    try {
      JsonNode json = MAPPER.readTree(line);
      if (json == null
          || !json.isObject()
          || json.path("v").asInt(-1) != VERSION
          || !TYPES.containsKey(json.path("type").asText())) {
        return new RunEvent.OrchestratorLine(runId, line);
      }
      return decode(TYPES.get(json.get("type").asText()), json, runId, plan);
    } catch (JsonProcessingException | IllegalArgumentException | ReflectiveOperationException e) {
      return new RunEvent.OrchestratorLine(runId, line);
    }
  }

  private static RunEvent decode(Class<?> type, JsonNode json, String runId, RunPlan plan)
      throws ReflectiveOperationException {
    RecordComponent[] components = type.getRecordComponents();
    Object[] args = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      if (c.getName().equals("runId")) {
        args[i] = runId;
      } else if (c.getType() == RunPlan.class) {
        args[i] = plan;
      } else if (c.getType() == Duration.class) {
        JsonNode ms = json.get(c.getName() + MILLIS);
        args[i] = ms == null || ms.isNull() ? null : Duration.ofMillis(ms.asLong());
      } else {
        JsonNode value = json.get(c.getName());
        args[i] =
            value == null || value.isNull()
                ? absent(c.getType())
                : MAPPER.convertValue(value, MAPPER.constructType(c.getGenericType()));
      }
    }
    Constructor<?> canonical =
        type.getDeclaredConstructor(
            Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
    return (RunEvent) canonical.newInstance(args);
  }

  /** What a left-out component decodes to: null, or a primitive's zero. */
  private static Object absent(Class<?> type) {
    if (!type.isPrimitive()) {
      return null;
    }
    return type == boolean.class ? Boolean.FALSE : MAPPER.convertValue(0, type);
  }

  private static boolean carriedByTheClient(RecordComponent c) {
    return c.getName().equals("runId") || c.getType() == RunPlan.class;
  }

  private static Object value(RecordComponent c, RunEvent event) {
    try {
      return c.getAccessor().invoke(event);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + c.getName() + " of " + event, e);
    }
  }

  private static Map<String, Class<?>> types() {
    Map<String, Class<?>> types = new LinkedHashMap<>();
    for (Class<?> type : RunEvent.class.getPermittedSubclasses()) {
      types.put(type.getSimpleName(), type);
    }
    return Map.copyOf(types);
  }
}
