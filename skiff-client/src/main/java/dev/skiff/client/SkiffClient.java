package dev.skiff.client;

import dev.skiff.client.internal.ArtifactStores;
import dev.skiff.client.internal.Home;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads the runs recorded in a Skiff home: {@code
 * client.lastRun("digits").step("trainer").output(SvmModel.class)}.
 *
 * <p>The home is found as the CLI finds it: the nearest {@code .skiff/} from the working folder
 * upward, else {@code $SKIFF_HOME} (default {@code ~/.config/skiff}). Its metadata store (SQLite
 * file or PostgreSQL, {@code SKIFF_METADATA_URL} and {@code SKIFF_METADATA_PASSWORD} win as for the
 * CLI) and the artifact store of each run's stack (local folder or S3, secrets resolved) are opened
 * as needed. The client only reads; every artifact it reads is checked against its content hash.
 * Close it to release the metadata store's connections.
 */
public final class SkiffClient implements AutoCloseable {
  private final Home home;
  private final MetadataStore store;
  private final Artifacts artifacts;

  private SkiffClient(Home home, MetadataStore store) {
    this.home = home;
    this.store = store;
    this.artifacts =
        new Artifacts(store, new ArtifactStores(home, store, SkiffClient.class.getClassLoader()));
  }

  /** The home of the working folder: the nearest {@code .skiff/} upward, else the global home. */
  public static SkiffClient open() {
    return open(Home.locate(Path.of("").toAbsolutePath(), System.getenv()));
  }

  /**
   * The home in {@code home}: a project folder (the one holding {@code .skiff/}), or a home folder
   * itself (a {@code .skiff/} folder or {@code $SKIFF_HOME}).
   */
  public static SkiffClient open(Path home) {
    Objects.requireNonNull(home, "home");
    return open(Home.at(home, System.getenv()));
  }

  private static SkiffClient open(Home home) {
    String url = home.metadataUrl();
    boolean noSqliteFile =
        url.startsWith("jdbc:sqlite:")
            && !Files.isRegularFile(Path.of(url.substring("jdbc:sqlite:".length())));
    if (!home.exists() || noSqliteFile) {
      throw new SkiffClientException(
          "no Skiff home with runs at "
              + home.dir()
              + ": run a pipeline first (skiff run, or Pipeline.run() in its project folder), or"
              + " pass the project folder to SkiffClient.open(Path)");
    }
    MetadataStore store;
    try {
      store = home.openMetadataStore();
    } catch (RuntimeException e) {
      throw new SkiffClientException(
          "cannot open the metadata store of the Skiff home " + home.dir() + ": " + e.getMessage(),
          e);
    }
    try {
      return new SkiffClient(home, store);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The home's folder. */
  public Path home() {
    return home.dir();
  }

  /**
   * The newest runs of {@code pipeline} (null: of every pipeline), newest first, at most {@code
   * limit} (at least 1).
   */
  public List<RunView> runs(String pipeline, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
    return store.listRuns(pipeline, limit).stream().map(this::view).toList();
  }

  /** The newest run of {@code pipeline}, whatever its status. */
  public RunView lastRun(String pipeline) {
    Objects.requireNonNull(pipeline, "pipeline");
    List<RunRecord> last = store.listRuns(pipeline, 1);
    if (last.isEmpty()) {
      String others =
          store.listRuns(null, 200).stream()
              .map(RunRecord::pipeline)
              .distinct()
              .sorted()
              .collect(Collectors.joining(", "));
      throw new SkiffClientException(
          "no run of pipeline '"
              + pipeline
              + "' in the Skiff home "
              + home.dir()
              + (others.isEmpty() ? "" : " (it has runs of " + others + ")")
              + ": run it first, or open the home it ran in with SkiffClient.open(Path)");
    }
    return view(last.get(0));
  }

  /** The run with this id, or the only run whose id starts with it. */
  public RunView run(String idOrPrefix) {
    Objects.requireNonNull(idOrPrefix, "idOrPrefix");
    Optional<RunRecord> exact = store.findRun(idOrPrefix);
    if (exact.isPresent()) {
      return view(exact.get());
    }
    List<RunRecord> found = idOrPrefix.isBlank() ? List.of() : store.findRunsByPrefix(idOrPrefix);
    if (found.size() == 1) {
      return view(found.get(0));
    }
    if (found.isEmpty()) {
      throw new SkiffClientException(
          "no run '"
              + idOrPrefix
              + "' in the Skiff home "
              + home.dir()
              + ": list the runs with runs(pipeline, limit) or skiff runs list");
    }
    throw new SkiffClientException(
        "run id prefix '"
            + idOrPrefix
            + "' is ambiguous: it matches "
            + found.stream().limit(5).map(RunRecord::id).collect(Collectors.joining(", "))
            + (found.size() > 5 ? ", …" : "")
            + "; give more of the id");
  }

  @Override
  public void close() {
    store.close();
  }

  private RunView view(RunRecord run) {
    return new RunView(run, store, artifacts);
  }
}
