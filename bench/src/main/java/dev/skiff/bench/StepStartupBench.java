package dev.skiff.bench;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.core.engine.PlanCompiler;
import dev.skiff.core.internal.StartupTrace;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunListener;
import dev.skiff.core.spi.StepLaunch;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.images.BuiltImage;
import dev.skiff.images.ContainerRegistryConfig;
import dev.skiff.images.ImageBuilder;
import dev.skiff.images.ImageSpec;
import dev.skiff.local.LocalOrchestrator;
import dev.skiff.local.LocalOrchestratorConfig;
import dev.skiff.local.SubprocessLauncher;
import dev.skiff.local.internal.StepClassArchive;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.PipelineBuilder;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.RunStatus;
import dev.skiff.store.MetadataStores;
import dev.skiff.testing.containers.ContainerSpec;
import dev.skiff.testing.containers.ImageConfig;
import dev.skiff.testing.containers.JreBaseImage;
import dev.skiff.testing.containers.Podman;
import dev.skiff.testing.postgres.PostgresServer;
import dev.skiff.testing.registry.RegistryProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Start-up cost of one step process, for a no-op step with one small input: what a step pays for
 * running in its own JVM, on top of its own code.
 *
 * <ul>
 *   <li><b>Local</b> ({@code --isolation process}): the real {@link SubprocessLauncher} starts the
 *       step's JVM on the class path of the {@code skiff} command plus the pipeline's jar, against
 *       a bare JVM on the same class path that runs an empty {@code main}. The step process prints
 *       wall-clock time stamps of its phases ({@link StartupTrace}: JVM up and in {@code main},
 *       stores opened, plan read, inputs loaded), the step its own start; the launcher's result
 *       marks the end.
 *   <li><b>Container</b> (when podman is available): the same step in a container of an image Jib
 *       built on the jlink JRE base image, run as a kubelet would ({@code podman run}, read-only
 *       root, uid 65532, stores bind-mounted), against a container running a trivial command (the
 *       runtime's own cost) and one running the bare JVM from the same image.
 * </ul>
 *
 * <p>Medians of {@value #ROUNDS} rounds after {@value #WARM_UP} warm-ups. Run from the project root
 * after {@code ./mvnw -q package -DskipTests}: {@code java -cp
 * "bench/target/skiff-bench.jar:bench/target/lib/*" dev.skiff.bench.StepStartupBench
 * [--no-containers] [--without-cuts] [--jvm-args=ARGS]} ({@code --without-cuts}: step processes as
 * before the start-up cuts; {@code --jvm-args} adds space-separated flags to each step JVM, to try
 * options).
 */
public final class StepStartupBench {
  private static final int WARM_UP = 3;
  private static final int ROUNDS = 11;
  private static final String STEP_MARK = "@@bench-step@@ ";

  private StepStartupBench() {}

  /** The bare JVM: prints when its {@code main} starts, loads nothing of Skiff. */
  public static final class Bare {
    public static void main(String[] args) {
      System.err.println(StartupTrace.MARKER + "main " + micros());
    }

    private static long micros() {
      java.time.Instant now = java.time.Instant.now();
      return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
  }

  /** A source step and the measured no-op step that reads its output. */
  public static final class Noop implements PipelineDefinition {
    static Integer source() {
      return 42;
    }

    static Void noop(Integer value) {
      System.out.println(STEP_MARK + StartupTrace.epochMicros());
      return null;
    }

    @Override
    public String name() {
      return "startup_bench";
    }

    @Override
    public void define(PipelineBuilder p) {
      Out<Integer> source = p.step("source", Noop::source);
      p.step("noop", Noop::noop, source);
    }
  }

  /** Wall times of one start, in ms from the launch; NaN where a phase was not seen. */
  record Start(
      double main,
      double storesOpened,
      double planRead,
      double inputsLoaded,
      double step,
      double end) {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("skiff-step-startup");
    try {
      run(args, dir);
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void run(String[] args, Path dir) throws Exception {
    boolean containers = true;
    List<String> extraJvmArgs = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("--no-containers")) {
        containers = false;
      } else if (arg.equals("--without-cuts")) {
        // as before the start-up cuts: no class-data-sharing archive of the step's classes (a
        // -Xshare flag of the user's turns it off; auto is the JVM's default), sqlite-jdbc extracts
        // its native library itself (a library name of the user's turns the cache off)
        extraJvmArgs.addAll(
            List.of(
                "-Xshare:auto", "-Dorg.sqlite.lib.name=" + System.mapLibraryName("sqlitejdbc")));
      } else if (arg.startsWith("--jvm-args=")) {
        extraJvmArgs.addAll(
            Arrays.asList(arg.substring("--jvm-args=".length()).trim().split("\\s+")));
      } else {
        throw new IllegalArgumentException(
            "unknown argument " + arg + ": use --no-containers, --without-cuts, --jvm-args=FLAGS");
      }
    }
    Path root = Path.of("").toAbsolutePath();
    Path cliJar = root.resolve("skiff-cli/target/skiff-cli.jar");
    Path benchJar = root.resolve("bench/target/skiff-bench.jar");
    if (!Files.isRegularFile(cliJar) || !Files.isRegularFile(benchJar)) {
      throw new IllegalStateException(
          "build first, from the project root: ./mvnw -q package -DskipTests");
    }
    // a step process's class path as `skiff run --isolation process -cp pipeline.jar` makes it:
    // the skiff command's class path (wildcard expanded by its java launcher), then the user's
    List<String> entries = new ArrayList<>();
    entries.add(cliJar.toString());
    try (Stream<Path> libs = Files.list(root.resolve("skiff-cli/target/lib"))) {
      libs.map(Path::toString).filter(p -> p.endsWith(".jar")).sorted().forEach(entries::add);
    }
    entries.add(benchJar.toString());
    String classpath = String.join(File.pathSeparator, entries);

    Path db = dir.resolve("skiff.db");
    Path artifactDir = dir.resolve("artifacts");
    Materializers materializers = Materializers.load(StepStartupBench.class.getClassLoader());
    RunPlan plan =
        new PlanCompiler(materializers)
            .compile(new Noop(), PipelineSettings.newBuilder().enableCache(false).build());
    String runId;
    try (MetadataStore store = MetadataStores.sqlite(db)) {
      LocalOrchestrator orchestrator =
          new LocalOrchestrator(
              store,
              new LocalArtifactStore(artifactDir),
              LocalOrchestratorConfig.DEFAULTS,
              materializers,
              StepStartupBench.class.getClassLoader(),
              null);
      LocalOrchestrator.Result result = orchestrator.run(plan, RunListener.NONE);
      if (result.status() != RunStatus.SUCCEEDED) {
        throw new IllegalStateException("set-up run ended " + result.status());
      }
      runId = result.runId();
    }
    StoreAccess stores = new StoreAccess("jdbc:sqlite:" + db, null, artifactDir.toUri().toString());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    System.out.printf(
        "class path: %d entries; store: SQLite %s; %d rounds after %d warm-ups, medians%n",
        entries.size(), db, ROUNDS, WARM_UP);
    System.out.println();
    System.out.println("local step process (--isolation process):");
    Start bare = median(() -> bareLocal(java, classpath, dir));
    List<String> jvmArgs = new ArrayList<>(List.of("-D" + StartupTrace.PROPERTY + "=true"));
    jvmArgs.addAll(extraJvmArgs);
    try (MetadataStore store = MetadataStores.sqlite(db)) {
      int[] attempt = {1};
      // a flag no other run used: a class path (and flags) seen for the first time, whose first
      // step process writes the class-data-sharing archive the later ones map
      List<String> firstArgs = new ArrayList<>(jvmArgs);
      firstArgs.add("-Dskiff.bench.fresh=" + System.nanoTime());
      Start first =
          stepLocal(
              new SubprocessLauncher(store, stores, classpath, firstArgs),
              plan,
              runId,
              ++attempt[0]);
      StepClassArchive fresh = StepClassArchive.of(Path.of(java), classpath, firstArgs);
      if (fresh != null) {
        Files.deleteIfExists(fresh.file());
      }
      SubprocessLauncher launcher = new SubprocessLauncher(store, stores, classpath, jvmArgs);
      Start step = median(() -> stepLocal(launcher, plan, runId, ++attempt[0]));
      print(bare, step);
      System.out.printf(
          "  first step process of a new class path (one round): step's code %.0f ms, done %.0f ms%n",
          first.step(), first.end());
    }

    if (!containers) {
      return;
    }
    String unavailable = Podman.unavailableReason();
    if (unavailable != null) {
      System.out.println();
      System.out.println("containers: skipped (" + unavailable + ")");
      return;
    }
    System.out.println();
    // pods record metadata in PostgreSQL (the jlink image has no libraries for SQLite's native
    // code)
    try (PostgresServer postgres = PostgresServer.start(Map.of())) {
      String url = postgres.newDatabase();
      String podRunId;
      try (MetadataStore store = MetadataStores.postgres(url, postgres.password())) {
        LocalOrchestrator orchestrator =
            new LocalOrchestrator(
                store,
                new LocalArtifactStore(artifactDir),
                LocalOrchestratorConfig.DEFAULTS,
                materializers,
                StepStartupBench.class.getClassLoader(),
                null);
        podRunId = orchestrator.run(plan, RunListener.NONE).runId();
      }
      containers(
          dir,
          entries,
          new StoreAccess(url, postgres.password(), artifactDir.toUri().toString()),
          podRunId);
    }
  }

  private static void containers(Path dir, List<String> entries, StoreAccess stores, String runId)
      throws Exception {
    Podman podman = Podman.shared();
    try (RegistryProcess registry =
        RegistryProcess.start(Files.createDirectories(dir.resolve("registry")), false)) {
      String base = JreBaseImage.hostJdk().push(registry).digestReference();
      List<Path> released = new ArrayList<>();
      List<Path> snapshots = new ArrayList<>();
      for (String e : entries) {
        Path p = Path.of(e);
        (p.getFileName().toString().contains("-SNAPSHOT")
                    || p.getFileName().toString().startsWith("skiff-")
                ? snapshots
                : released)
            .add(p);
      }
      ImageSpec spec =
          ImageSpec.newBuilder()
              .baseImage(base)
              .releasedJars(released)
              .snapshotJars(snapshots)
              .build();
      BuiltImage image =
          ImageBuilder.newBuilder(ContainerRegistryConfig.of(registry.hostPort() + "/bench", true))
              .cacheDirectory(Files.createDirectories(dir.resolve("jib-cache")))
              .build()
              .buildAndPush("startup_bench", spec);
      String ref = image.reference();
      String id = podman.pull(ref);
      ImageConfig config = podman.imageConfig(id);
      // the image's own command (java FLAGS -cp CP dev.skiff.kubernetes.internal.PodMain), traced
      List<String> entrypoint = new ArrayList<>(config.entrypoint());
      int mainAt = entrypoint.indexOf(ImageSpec.POD_MAIN_CLASS);
      if (entrypoint.isEmpty() || mainAt < 0) {
        throw new IllegalStateException("unexpected entrypoint of " + ref + ": " + entrypoint);
      }
      List<String> javaAndFlags = new ArrayList<>(entrypoint.subList(0, mainAt));
      // the container writes the stores as uid 65532, like a pod: give it the folder
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) all::iterator) {
          if (!p.startsWith(dir.resolve("registry")) && !p.startsWith(dir.resolve("jib-cache"))) {
            Files.setPosixFilePermissions(
                p,
                PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxrwxrwx" : "rw-rw-rw-"));
          }
        }
      }
      Path trueBinary = Path.of("/bin/true");
      System.out.printf(
          "container (podman, image %s on the jlink JRE base; metadata in PostgreSQL, artifacts in a mounted folder):%n",
          ref.replaceAll("@sha256:(.{12}).*", "@sha256:$1…"));
      Start runtime =
          median(
              () ->
                  container(
                      podman,
                      podSpec(id, dir)
                          .bind(trueBinary, "/skiff-true", true)
                          .command("/skiff-true")
                          .build()));
      List<String> bareCommand = new ArrayList<>(javaAndFlags);
      bareCommand.add(Bare.class.getName());
      Start bare = median(() -> container(podman, podSpec(id, dir).command(bareCommand).build()));
      List<String> stepCommand = new ArrayList<>(javaAndFlags);
      stepCommand.add(1, "-D" + StartupTrace.PROPERTY + "=true");
      stepCommand.addAll(
          List.of(
              ImageSpec.POD_MAIN_CLASS,
              "step",
              "--run",
              runId,
              "--step",
              "noop",
              "--attempt",
              "1"));
      Start step =
          median(
              () ->
                  container(
                      podman,
                      podSpec(id, dir).env(stores.environment()).command(stepCommand).build()));
      System.out.printf("  container with a trivial command (runtime): %6.0f ms%n", runtime.end());
      print(bare, step);
      System.out.printf(
          "  split of the step container's %.0f ms: runtime %.0f ms (trivial container), JVM %.0f ms (bare JVM container - runtime),"
              + " Skiff %.0f ms (step container - bare JVM container; %.0f ms of it after the step's code)%n",
          step.end(),
          runtime.end(),
          bare.end() - runtime.end(),
          step.end() - bare.end(),
          step.end() - step.step());
    }
  }

  private static ContainerSpec.Builder podSpec(String image, Path dir) {
    return ContainerSpec.newBuilder(image)
        .user("65532")
        .readOnlyRootFilesystem(true)
        .tmpfs("/tmp")
        .bind(dir, dir.toString(), false);
  }

  private static Start container(Podman podman, ContainerSpec spec) {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    long launched = StartupTrace.epochMicros();
    try {
      Podman.Run run = podman.run(spec);
      long end = StartupTrace.epochMicros();
      if (run.exitCode() != 0) {
        throw new IllegalStateException(
            "container exited " + run.exitCode() + ": " + run.outputText());
      }
      lines.addAll(run.output());
      return parse(lines, launched, end);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Start bareLocal(String java, String classpath, Path dir) {
    List<String> command = List.of(java, "-cp", classpath, Bare.class.getName());
    try {
      long launched = StartupTrace.epochMicros();
      Process p =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("bare JVM failed: " + lines);
      }
      return parse(lines, launched, StartupTrace.epochMicros());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Start stepLocal(
      SubprocessLauncher launcher, RunPlan plan, String runId, int attempt) {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    long launched = StartupTrace.epochMicros();
    try {
      launcher
          .launch(new StepLaunch(plan, runId, plan.step("noop"), attempt, lines::add))
          .result()
          .get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("step process failed: " + e + " " + lines, e);
    }
    return parse(lines, launched, StartupTrace.epochMicros());
  }

  private static Start parse(List<String> lines, long launched, long end) {
    Map<String, Double> at = new LinkedHashMap<>();
    for (String line : lines) {
      String l = line.strip();
      if (l.startsWith(StartupTrace.MARKER)) {
        String[] parts = l.substring(StartupTrace.MARKER.length()).split(" ");
        at.put(parts[0], (Long.parseLong(parts[1]) - launched) / 1e3);
      } else if (l.startsWith(STEP_MARK)) {
        at.put("step", (Long.parseLong(l.substring(STEP_MARK.length())) - launched) / 1e3);
      }
    }
    double nan = Double.NaN;
    return new Start(
        at.getOrDefault("main", nan),
        at.getOrDefault("stores-opened", nan),
        at.getOrDefault("plan-read", nan),
        at.getOrDefault("inputs-loaded", nan),
        at.getOrDefault("step", nan),
        (end - launched) / 1e3);
  }

  /** Component-wise medians over the rounds. */
  private static Start median(Supplier<Start> once) {
    for (int i = 0; i < WARM_UP; i++) {
      once.get();
    }
    List<Start> runs = new ArrayList<>();
    for (int i = 0; i < ROUNDS; i++) {
      runs.add(once.get());
    }
    return new Start(
        median(runs, Start::main),
        median(runs, Start::storesOpened),
        median(runs, Start::planRead),
        median(runs, Start::inputsLoaded),
        median(runs, Start::step),
        median(runs, Start::end));
  }

  private static double median(List<Start> runs, java.util.function.ToDoubleFunction<Start> f) {
    double[] xs = runs.stream().mapToDouble(f).sorted().toArray();
    return xs[xs.length / 2];
  }

  private static void print(Start bare, Start step) {
    System.out.printf(
        "  bare JVM, same class path:   in main %6.0f ms, exited %6.0f ms%n",
        bare.main(), bare.end());
    System.out.printf(
        "  step process:                in main %6.0f ms, step's code %6.0f ms, done %6.0f ms%n",
        step.main(), step.step(), step.end());
    System.out.printf(
        "    Skiff's start-up (main -> step's code): %.0f ms = stores opened %.0f + plan read %.0f + inputs loaded %.0f + to the call %.0f%n",
        step.step() - step.main(),
        step.storesOpened() - step.main(),
        step.planRead() - step.storesOpened(),
        step.inputsLoaded() - step.planRead(),
        step.step() - step.inputsLoaded());
    System.out.printf(
        "    after the step's code (record, exit):   %.0f ms%n", step.end() - step.step());
    System.out.printf(
        "  ratio to the bare JVM: until the step's code %.2fx, until done %.2fx (goal: Skiff's own start-up <= 2x the bare JVM)%n",
        step.step() / bare.end(), step.end() / bare.end());
  }
}
