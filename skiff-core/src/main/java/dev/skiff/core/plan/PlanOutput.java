package dev.skiff.core.plan;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A named output of a step, its Java type and the materializer that stores it. {@code
 * elementMaterializer}, when set, stores the output (a list) element by element as well, as
 * artifacts {@code name[0]}, {@code name[1]}, … for a map over it; a map's own result is stored
 * only so ({@code materializer} null). Left out of the plan's JSON when unused.
 */
public record PlanOutput(
    String name,
    String type,
    String materializer,
    @JsonInclude(JsonInclude.Include.NON_NULL) String elementMaterializer) {

  public PlanOutput(String name, String type, String materializer) {
    this(name, type, materializer, null);
  }

  public PlanOutput withElements(String elementMaterializer) {
    return new PlanOutput(name, type, materializer, elementMaterializer);
  }
}
