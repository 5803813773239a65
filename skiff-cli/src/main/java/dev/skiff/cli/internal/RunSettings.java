package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.internal.Json;
import dev.skiff.local.Isolation;
import dev.skiff.local.LocalOrchestratorFlavor;
import dev.skiff.sdk.PipelineSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The options of {@code skiff run} applied to a pipeline's settings: {@code --no-cache} and
 * {@code --continue-on-failure} change the pipeline settings; {@code --isolation} and {@code
 * --max-parallelism}, only when given, become fields of the pipeline-level setting {@code
 * orchestrator.local}, overriding the same fields set by the pipeline's code.
 */
public record RunSettings(boolean noCache, boolean continueOnFailure, Isolation isolation, Integer maxParallelism) {

  /** The {@code orchestrator.local} fields given on the command line. */
  public Map<String, Object> local() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (isolation != null) {
      m.put("isolation", isolation.name().toLowerCase(Locale.ROOT));
    }
    if (maxParallelism != null) {
      m.put("maxParallelism", maxParallelism);
    }
    return m;
  }

  public PipelineSettings applyTo(PipelineSettings settings) {
    PipelineSettings.Builder b = settings.toBuilder();
    if (noCache) {
      b.enableCache(false);
    }
    if (continueOnFailure) {
      b.failFast(false);
    }
    Map<String, Object> local = local();
    if (!local.isEmpty()) {
      Object existing = settings.settings().get(LocalOrchestratorFlavor.SETTINGS_KEY);
      JsonNode json = existing == null ? null : Json.mapper().valueToTree(existing);
      ObjectNode merged = json instanceof ObjectNode o ? o.deepCopy() : Json.mapper().createObjectNode();
      for (Map.Entry<String, Object> e : local.entrySet()) {
        List<String> same = new ArrayList<>();
        merged.fieldNames().forEachRemaining(k -> {
          if (canonical(k).equals(canonical(e.getKey()))) {
            same.add(k);
          }
        });
        same.forEach(merged::remove); // max_parallelism in code, --max-parallelism here
        merged.set(e.getKey(), Json.mapper().valueToTree(e.getValue()));
      }
      b.setting(LocalOrchestratorFlavor.SETTINGS_KEY, merged);
    }
    return b.build();
  }

  private static String canonical(String key) {
    return key.replaceAll("[_\\-\\s]", "").toLowerCase(Locale.ROOT);
  }
}
