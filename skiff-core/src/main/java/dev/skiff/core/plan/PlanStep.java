package dev.skiff.core.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.core.internal.Json;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A step of a {@link RunPlan}: its code (method and hash), its inputs wired to upstream outputs or
 * parameters, its outputs, extra ordering edges ({@code after}) and resolved settings. A map step
 * has {@code map} (its instances are derived with {@link #instance(int)}); a step that runs only if
 * boolean outputs are true has {@code conditions}; a hook has {@code hook}. These three are left
 * out of the plan's JSON when unused.
 */
public record PlanStep(
    String name,
    String function,
    String codeHash,
    List<PlanInput> inputs,
    List<PlanOutput> outputs,
    boolean recordOutput,
    List<String> after,
    StepPolicy policy,
    Map<String, JsonNode> settings,
    @JsonInclude(JsonInclude.Include.NON_NULL) PlanMap map,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<PlanSource> conditions,
    @JsonInclude(JsonInclude.Include.NON_NULL) HookKind hook) {

  private static final Pattern INSTANCE = Pattern.compile("(.+)\\[(\\d+)\\]");

  public PlanStep {
    settings = settings == null ? Map.of() : Map.copyOf(settings);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    after = List.copyOf(after);
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
  }

  /** An ordinary step: no map, no condition, not a hook. */
  public PlanStep(
      String name,
      String function,
      String codeHash,
      List<PlanInput> inputs,
      List<PlanOutput> outputs,
      boolean recordOutput,
      List<String> after,
      StepPolicy policy,
      Map<String, JsonNode> settings) {
    this(
        name,
        function,
        codeHash,
        inputs,
        outputs,
        recordOutput,
        after,
        policy,
        settings,
        null,
        List.of(),
        null);
  }

  /** The same step with other component settings. */
  public PlanStep withSettings(Map<String, JsonNode> newSettings) {
    return new PlanStep(
        name,
        function,
        codeHash,
        inputs,
        outputs,
        recordOutput,
        after,
        policy,
        newSettings,
        map,
        conditions,
        hook);
  }

  /** The same step with other outputs. */
  public PlanStep withOutputs(List<PlanOutput> newOutputs) {
    return new PlanStep(
        name,
        function,
        codeHash,
        inputs,
        newOutputs,
        recordOutput,
        after,
        policy,
        settings,
        map,
        conditions,
        hook);
  }

  /**
   * Every step this one waits for: data sources (inputs, fan-ins, conditions) and {@code after}
   * edges, without repeats.
   */
  public Set<String> upstream() {
    Set<String> up = new LinkedHashSet<>();
    for (PlanInput in : inputs) {
      if (in.step() != null) {
        up.add(in.step());
      }
      if (in.isFanIn()) {
        in.sources().forEach(s -> up.add(s.step()));
      }
    }
    conditions.forEach(c -> up.add(c.step()));
    up.addAll(after);
    return up;
  }

  /**
   * Instance {@code index} of this map step, as it runs: named {@code name[index]}, its first input
   * the element {@code items[index]} of the items, its one output the element of the result. The
   * rest (code, other inputs, policy, settings) is the map's.
   */
  public PlanStep instance(int index) {
    if (map == null) {
      throw new IllegalStateException("step '" + name + "' is not a map");
    }
    List<PlanInput> ins = new ArrayList<>(inputs);
    PlanInput items = inputs.get(0);
    ins.set(
        0,
        PlanInput.artifact(
            items.name(), items.type(), items.step(), elementName(items.output(), index)));
    List<PlanOutput> outs =
        outputs.isEmpty()
            ? List.of()
            : List.of(
                new PlanOutput(
                    outputs.get(0).name(),
                    elementType(outputs.get(0).type()),
                    outputs.get(0).elementMaterializer()));
    return new PlanStep(
        instanceName(name, index),
        function,
        codeHash,
        ins,
        outs,
        false,
        List.of(),
        policy,
        settings,
        null,
        List.of(),
        null);
  }

  /** The name of the step declared in the pipeline: {@code m} for the map instance {@code m[3]}. */
  @JsonIgnore
  public String declaredName() {
    return instance(name).map(Instance::map).orElse(name);
  }

  /** {@code m[3]}: instance 3 of map {@code m}. */
  public static String instanceName(String map, int index) {
    return map + "[" + index + "]";
  }

  /** {@code items[3]}: element 3 of a list output stored element by element. */
  public static String elementName(String output, int index) {
    return output + "[" + index + "]";
  }

  /** Whether {@code name} names a map instance, e.g. {@code m[3]} (step names have no brackets). */
  public static boolean isInstanceName(String name) {
    return instance(name).isPresent();
  }

  /**
   * The map and index of an instance name: {@code m[3]} gives map {@code m}, index {@code 3}; the
   * map is all before the last bracket pair ({@code a[b][2]} is instance 2 of {@code a[b]}). Empty
   * for a name that is not an instance's, such as {@code m}, {@code m[]} or {@code m[x]}.
   */
  public static Optional<Instance> instance(String name) {
    Matcher m = INSTANCE.matcher(name);
    return m.matches() ? Optional.of(new Instance(m.group(1), m.group(2))) : Optional.empty();
  }

  /**
   * A map instance's name taken apart. The index is kept as written ({@code digits}) because names
   * derived from it, such as pod names and labels, must keep {@code m[03]} and {@code m[3]} apart.
   */
  public record Instance(String map, String digits) {
    /**
     * The index's value, e.g. to derive the instance or sort instances.
     *
     * @throws NumberFormatException if it does not fit an int (no plan makes such an instance)
     */
    public int index() {
      return Integer.parseInt(digits);
    }
  }

  /** {@code java.util.List<X>} gives {@code X}; the type of a map result's element. */
  static String elementType(String listType) {
    String prefix = "java.util.List<";
    return listType.startsWith(prefix) && listType.endsWith(">")
        ? listType.substring(prefix.length(), listType.length() - 1)
        : "java.lang.Object";
  }

  /**
   * This step's resolved settings of a component flavor, e.g. {@code orchestrator.kubernetes}, as
   * its settings record: complete (configuration &lt; pipeline &lt; step), when the plan was
   * compiled for a stack using that flavor.
   */
  public <T> Optional<T> setting(String key, Class<T> type) {
    return Optional.ofNullable(settings.get(key))
        .map(json -> Json.mapper().convertValue(json, type));
  }

  public PlanOutput output(String outputName) {
    return outputs.stream()
        .filter(o -> o.name().equals(outputName))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "step '" + name + "' has no output '" + outputName + "'"));
  }
}
