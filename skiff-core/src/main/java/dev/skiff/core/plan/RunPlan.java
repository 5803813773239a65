package dev.skiff.core.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.core.internal.Hashing;
import dev.skiff.core.internal.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The compiled, immutable form of a pipeline: every step with its code hash, wiring, outputs and
 * resolved settings, in topological order. It is the contract between the client, the orchestrator
 * and the step processes or pods, and is stored with the run as JSON. {@code settings} are the
 * stack components' settings records resolved for the pipeline, complete (component config &lt;
 * pipeline settings &lt; {@code --set}); each step carries its own resolution (… &lt; step
 * settings). Only {@code SettingsResolver} writes them; components read them and merge nothing.
 * Secret references stay unresolved.
 */
public record RunPlan(
    int version,
    String pipeline,
    String pipelineClass,
    boolean failFast,
    int maxParallelism,
    String stack,
    Map<String, JsonNode> settings,
    List<PlanStep> steps) {
  public static final int CURRENT_VERSION = 1;

  public RunPlan {
    settings = settings == null ? Map.of() : Map.copyOf(settings);
    steps = List.copyOf(steps);
  }

  /** Pipeline-level settings of a component flavor, e.g. {@code orchestrator.local}, if any. */
  public Optional<JsonNode> setting(String key) {
    return Optional.ofNullable(settings.get(key));
  }

  /**
   * Pipeline-level settings of a component flavor as its settings record: complete, when the plan
   * was compiled for a stack using that flavor.
   */
  public <T> Optional<T> setting(String key, Class<T> type) {
    return setting(key).map(json -> Json.mapper().convertValue(json, type));
  }

  /**
   * The step named {@code name}; a map instance such as {@code score[3]} is derived from its map
   * ({@link PlanStep#instance}), so step processes and pods find it by name like any step.
   */
  public PlanStep step(String name) {
    for (PlanStep s : steps) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    var instance = PlanStep.instance(name).filter(RunPlan::fitsInt);
    if (instance.isPresent()) {
      for (PlanStep s : steps) {
        if (s.name().equals(instance.get().map()) && s.map() != null) {
          return s.instance(instance.get().index());
        }
      }
    }
    throw new IllegalArgumentException("pipeline '" + pipeline + "' has no step '" + name + "'");
  }

  /**
   * An index too large for an int names no instance: asking for it is asking for a missing step.
   */
  private static boolean fitsInt(PlanStep.Instance instance) {
    try {
      instance.index();
      return true;
    } catch (NumberFormatException tooLarge) {
      return false;
    }
  }

  /** Canonical JSON (sorted keys): equal plans give equal text and hash. */
  public String toJson() {
    try {
      return Json.mapper().writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot write plan of " + pipeline + ": " + e.getOriginalMessage(), e);
    }
  }

  public String hash() {
    return Hashing.sha256(toJson());
  }

  public static RunPlan fromJson(String json) {
    try {
      RunPlan plan = Json.mapper().readValue(json, RunPlan.class);
      if (plan.version() != CURRENT_VERSION) {
        throw new IllegalArgumentException(
            "run plan version "
                + plan.version()
                + " is not supported by this Skiff (expects "
                + CURRENT_VERSION
                + ")");
      }
      return plan;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("malformed run plan: " + e.getOriginalMessage(), e);
    }
  }
}
