package dev.skiff.core.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One argument of a step, one of:
 *
 * <ul>
 *   <li>an upstream output ({@code step}, {@code output}; {@code output} null means the whole
 *       output: a record rebuilt from its components, or the list of a map's results);
 *   <li>a literal parameter ({@code value}, with {@code valueHash} entering the cache key);
 *   <li>a fan-in ({@code sources}, not null, possibly empty): the outputs of several steps as one
 *       list, in order;
 *   <li>the run summary a hook receives ({@code runSummary}).
 * </ul>
 *
 * The fields of the last two are left out of the plan's JSON when unused, so plans without them
 * read, write and hash as before.
 */
public record PlanInput(
    String name,
    String type,
    String step,
    String output,
    JsonNode value,
    String valueHash,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<PlanSource> sources,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean runSummary) {
  public PlanInput {
    if (value != null && value.isNull()) {
      value = null; // JSON null reads back as NullNode; parameters are never null
    }
    sources = sources == null ? null : List.copyOf(sources);
  }

  public PlanInput(
      String name, String type, String step, String output, JsonNode value, String valueHash) {
    this(name, type, step, output, value, valueHash, null, false);
  }

  public static PlanInput artifact(String name, String type, String step, String output) {
    return new PlanInput(name, type, step, output, null, null);
  }

  public static PlanInput parameter(String name, String type, JsonNode value, String valueHash) {
    return new PlanInput(name, type, null, null, value, valueHash);
  }

  public static PlanInput fanIn(String name, String type, List<PlanSource> sources) {
    return new PlanInput(name, type, null, null, null, null, sources, false);
  }

  public static PlanInput summary(String name, String type) {
    return new PlanInput(name, type, null, null, null, null, null, true);
  }

  public boolean isParameter() {
    return step == null && sources == null && !runSummary;
  }

  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isFanIn() {
    return sources != null;
  }
}
