package dev.skiff.cli.internal;

import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import java.util.List;
import java.util.stream.Collectors;

/** Finds runs and artifacts by the (possibly shortened) ids people type. */
final class Lookup {
  private Lookup() {}

  /** The run, settled: one whose orchestrator stopped heart-beating is recorded as lost first. */
  static RunRecord run(MetadataStore store, String idOrPrefix) {
    return dev.skiff.core.engine.RunLifecycle.settle(
        store, find(store, idOrPrefix), java.time.Instant.now());
  }

  private static RunRecord find(MetadataStore store, String idOrPrefix) {
    var exact = store.findRun(idOrPrefix);
    if (exact.isPresent()) {
      return exact.get();
    }
    List<RunRecord> matches = store.findRunsByPrefix(idOrPrefix);
    if (matches.isEmpty()) {
      throw new IllegalArgumentException("no run '" + idOrPrefix + "': see 'skiff runs list'");
    }
    if (matches.size() > 1) {
      throw new IllegalArgumentException(
          "'"
              + idOrPrefix
              + "' matches "
              + matches.size()
              + " runs ("
              + matches.stream().limit(3).map(RunRecord::id).collect(Collectors.joining(", "))
              + "…): type more of the id");
    }
    return matches.get(0);
  }

  static ArtifactRecord artifact(MetadataStore store, String idOrPrefix) {
    var exact = store.findArtifact(idOrPrefix);
    if (exact.isPresent()) {
      return exact.get();
    }
    List<ArtifactRecord> matches = store.findArtifactsByPrefix(idOrPrefix);
    if (matches.isEmpty()) {
      throw new IllegalArgumentException(
          "no artifact '" + idOrPrefix + "': see 'skiff artifacts list'");
    }
    if (matches.size() > 1) {
      throw new IllegalArgumentException(
          "'" + idOrPrefix + "' matches " + matches.size() + " artifacts: type more of the id");
    }
    return matches.get(0);
  }
}
