package dev.skiff.kubernetes.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/** The labels every Skiff object carries, so {@code kubectl get pods -l pipeline=digits} works. */
public final class Labels {
  public static final String RUN = "run";
  public static final String PIPELINE = "pipeline";
  public static final String STEP = "step";
  public static final String RUN_SELECTOR = "skiff.dev/run";
  public static final String ROLE = "skiff.dev/role";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

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

  public static Map<String, String> step(String runId, String pipeline, String step) {
    Map<String, String> labels = run(runId, pipeline, "step");
    labels.put(STEP, Names.labelValue(step));
    return labels;
  }
}
