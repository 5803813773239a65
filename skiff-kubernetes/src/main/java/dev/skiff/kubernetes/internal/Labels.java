package dev.skiff.kubernetes.internal;

import dev.skiff.core.plan.PlanStep;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The labels every Skiff object carries, so {@code kubectl get pods -l pipeline=digits} works. */
public final class Labels {
  public static final String RUN = "run";
  public static final String PIPELINE = "pipeline";
  public static final String STEP = "step";
  public static final String RUN_SELECTOR = "skiff.dev/run";
  public static final String ROLE = "skiff.dev/role";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  /** On the pod of a map instance: its index, e.g. {@code 3} for {@code train[3]}. */
  public static final String MAP_INDEX = "skiff.dev/map-index";

  private Labels() {}

  public static Map<String, String> run(String runId, String pipeline, String role) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(RUN, Names.labelValue(runId));
    labels.put(PIPELINE, Names.labelValue(pipeline));
    labels.put(RUN_SELECTOR, Names.labelValue(runId));
    labels.put(ROLE, role);
    labels.put(MANAGED_BY, "skiff");
    return labels;
  }

  /**
   * The labels of a step's pod. {@code step} is the step's name in the plan; for a map instance
   * ({@code train[3]}) label {@code step} holds the map's name, so {@code -l step=train} selects
   * every instance, and {@link #MAP_INDEX} the index.
   */
  public static Map<String, String> step(String runId, String pipeline, String step) {
    Map<String, String> labels = run(runId, pipeline, "step");
    Optional<PlanStep.Instance> instance = PlanStep.instance(step);
    labels.put(STEP, Names.labelValue(instance.map(PlanStep.Instance::map).orElse(step)));
    instance.ifPresent(i -> labels.put(MAP_INDEX, i.digits()));
    return labels;
  }
}
