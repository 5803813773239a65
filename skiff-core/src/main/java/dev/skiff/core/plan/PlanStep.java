package dev.skiff.core.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.core.internal.Json;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A step of a {@link RunPlan}: its code (method and hash), its inputs wired to upstream outputs or
 * parameters, its outputs, extra ordering edges ({@code after}) and resolved settings.
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
    Map<String, JsonNode> settings) {

  public PlanStep {
    settings = settings == null ? Map.of() : Map.copyOf(settings);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    after = List.copyOf(after);
  }

  /** Every step this one waits for: data sources and {@code after} edges, without repeats. */
  public Set<String> upstream() {
    Set<String> up = new LinkedHashSet<>();
    for (PlanInput in : inputs) {
      if (!in.isParameter()) {
        up.add(in.step());
      }
    }
    up.addAll(after);
    return up;
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
