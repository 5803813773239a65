package dev.skiff.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.skiff.core.internal.Hashing;
import dev.skiff.core.internal.Json;
import java.util.List;

/**
 * The compiled, immutable form of a pipeline: every step with its code hash, wiring, outputs
 * and resolved settings, in topological order. It is the contract between the client, the
 * orchestrator and the step processes or pods, and is stored with the run as JSON.
 */
public record RunPlan(
    int version,
    String pipeline,
    String pipelineClass,
    boolean failFast,
    int maxParallelism,
    List<PlanStep> steps) {
  public static final int CURRENT_VERSION = 1;

  public RunPlan {
    steps = List.copyOf(steps);
  }

  public PlanStep step(String name) {
    return steps.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("pipeline '" + pipeline + "' has no step '" + name + "'"));
  }

  /** Canonical JSON (sorted keys): equal plans give equal text and hash. */
  public String toJson() {
    try {
      return Json.mapper().writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write plan of " + pipeline + ": " + e.getOriginalMessage(), e);
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
            "run plan version " + plan.version() + " is not supported by this Skiff (expects " + CURRENT_VERSION + ")");
      }
      return plan;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("malformed run plan: " + e.getOriginalMessage(), e);
    }
  }
}
