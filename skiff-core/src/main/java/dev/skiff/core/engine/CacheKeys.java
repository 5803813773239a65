package dev.skiff.core.engine;

import dev.skiff.core.internal.Hashing;
import dev.skiff.core.plan.PlanInput;
import dev.skiff.core.plan.PlanOutput;
import dev.skiff.core.plan.PlanStep;
import java.util.List;
import java.util.Map;

/**
 * Cache key of a step: hash of its code, its parameters, the content of its inputs and the
 * materializers of its outputs. Equal keys mean the step would compute the same outputs.
 */
public final class CacheKeys {
  private CacheKeys() {}

  /**
   * @param inputContent for each input that is not a parameter (by input name), the content hashes
   *     of the artifacts it reads, in output order (with markers of their own for lists and
   *     fan-ins, so an empty one has a key too)
   * @param artifactStore URI of the artifact store the run writes to: outputs can only be reused
   *     from the store that holds them
   */
  public static String of(
      PlanStep step, Map<String, List<String>> inputContent, String artifactStore) {
    StringBuilder sb = new StringBuilder("skiff-cache/v1\n");
    sb.append("store ").append(artifactStore).append('\n');
    sb.append("code ").append(step.codeHash()).append('\n');
    for (PlanInput in : step.inputs()) {
      sb.append("in ").append(in.name()).append(' ');
      if (in.isParameter()) {
        sb.append("param ").append(in.valueHash());
      } else {
        List<String> hashes = inputContent.get(in.name());
        if (hashes == null || hashes.isEmpty()) {
          throw new IllegalArgumentException(
              "no content hash for input '" + in.name() + "' of step '" + step.name() + "'");
        }
        sb.append("artifact ").append(String.join(",", hashes));
      }
      sb.append('\n');
    }
    for (PlanOutput out : step.outputs()) {
      sb.append("out ")
          .append(out.name())
          .append(' ')
          .append(out.type())
          .append(' ')
          .append(out.materializer());
      if (out.elementMaterializer() != null) {
        // stored element by element too (for a map): a key of its own, so a hit has the elements
        sb.append(" elements ").append(out.elementMaterializer());
      }
      sb.append('\n');
    }
    return Hashing.sha256(sb.toString());
  }
}
