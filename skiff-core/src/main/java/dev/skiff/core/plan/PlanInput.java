package dev.skiff.core.plan;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One argument of a step: an upstream output ({@code step}, {@code output}; {@code output} null
 * means the whole record output rebuilt from its components) or a literal parameter ({@code value},
 * with {@code valueHash} entering the cache key).
 */
public record PlanInput(
    String name, String type, String step, String output, JsonNode value, String valueHash) {
  public PlanInput {
    if (value != null && value.isNull()) {
      value = null; // JSON null reads back as NullNode; parameters are never null
    }
  }

  public static PlanInput artifact(String name, String type, String step, String output) {
    return new PlanInput(name, type, step, output, null, null);
  }

  public static PlanInput parameter(String name, String type, JsonNode value, String valueHash) {
    return new PlanInput(name, type, null, null, value, valueHash);
  }

  public boolean isParameter() {
    return step == null;
  }
}
