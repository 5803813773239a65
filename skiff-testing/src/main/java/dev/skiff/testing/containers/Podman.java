package dev.skiff.testing.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The podman CLI, configured as these machines need it (see {@code DEPENDENCIES.md}, "Real
 * containers"): its own storage ({@code --root}/{@code --runroot}, {@code --storage-driver overlay}
 * with {@code --storage-opt overlay.skip_mount_home=true}, else a failed command such as a pull
 * leaves the overlay folder bind-mounted onto itself), {@code --runtime runc}, {@code
 * --cgroup-manager cgroupfs}; a generated {@code containers.conf} with no default ulimits (the
 * sandbox lacks CAP_SYS_RESOURCE), file locks, the temporary folder and the network configuration
 * in its own folders (nothing shared with another podman), no events log, no proxy variables passed
 * in, and the same configuration handed to conmon's cleanup command; a generated {@code
 * storage.conf}, a {@code registries.conf} with no search registries and a signature policy that
 * accepts anything. Containers use the host network (they reach loopback servers), and conmon stays
 * out of their cgroup ({@code --cgroups=no-conmon}).
 *
 * <p>One {@code podman run} per container ({@link #start}); {@link RunningContainer#remove()} is a
 * second command that can wait until the kubelet deletes the pod. Needs root.
 *
 * <p>Instances: {@link #shared()} for tests (storage kept in a cache folder, so images pulled once
 * stay for the next runs); {@link #temporary()} for storage that {@link #close()} deletes.
 */
public final class Podman implements AutoCloseable {
  public static final String BINARY = "podman";
  public static final String INSTALL_HINT = "apt-get install -y podman runc";

  /**
   * The label naming the JVM (pid and start) that started a container, to clean up after crashes.
   */
  public static final String OWNER_LABEL = "dev.skiff.testing.owner";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration IMAGE_RETENTION = Duration.ofDays(3);
  private static final String SEARCH_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static String unavailableReason;
  private static boolean probed;
  private static Podman shared;

  /** The outcome of {@link #run}: how it ended and every output line. */
  public record Run(ContainerExit exit, List<String> output) {
    public int exitCode() {
      return exit.exitCode();
    }

    public String outputText() {
      return String.join("\n", output);
    }
  }

  private final Path dir;
  private final Path graphRoot;
  private final Path runRoot;
  private final Path policy;
  private final Path pulls;
  private final Path cids;
  private final Map<String, String> environment;
  private final boolean temporary;
  private final String owner;
  private final String defaultCgroupParent;
  private final Map<String, String> pulledDigests = new ConcurrentHashMap<>();
  private final Set<RunningContainer> containers = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private Podman(Path dir, boolean temporary) throws IOException {
    this.dir = dir.toAbsolutePath();
    this.temporary = temporary;
    this.graphRoot = this.dir.resolve("storage");
    this.runRoot = this.dir.resolve("run");
    this.pulls = this.dir.resolve("pulls");
    Path conf = this.dir.resolve("conf");
    Files.createDirectories(conf);
    Files.createDirectories(graphRoot);
    ProcessHandle self = ProcessHandle.current();
    long started = self.info().startInstant().map(Instant::getEpochSecond).orElse(0L);
    this.owner = self.pid() + "-" + started;
    this.cids = this.dir.resolve("cids").resolve(owner);
    this.defaultCgroupParent =
        "skiff-podman-"
            + owner
            + "-"
            + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    Path containersConf = conf.resolve("containers.conf");
    Path storageConf = conf.resolve("storage.conf");
    Path registriesConf = conf.resolve("registries.conf");
    this.policy = conf.resolve("policy.json");
    // Same contents from every JVM that opens this folder: written atomically, read by podman.
    writeAtomically(containersConf, containersConf(containersConf, storageConf, registriesConf));
    // Only the command line's --storage-opt overlay.skip_mount_home=true is honoured (and passed on
    // to conmon's cleanup command), not the same option here: without it podman bind-mounts the
    // overlay folder onto itself and a failed command (a pull) leaves that mount behind.
    writeAtomically(
        storageConf,
        "[storage]\ndriver = \"overlay\"\ngraphroot = "
            + quote(graphRoot)
            + "\nrunroot = "
            + quote(runRoot)
            + "\n");
    writeAtomically(
        registriesConf, "unqualified-search-registries = []\nshort-name-mode = \"enforcing\"\n");
    writeAtomically(policy, "{\"default\": [{\"type\": \"insecureAcceptAnything\"}]}\n");
    this.environment =
        Map.of(
            "PATH", System.getenv().getOrDefault("PATH", SEARCH_PATH),
            "HOME", System.getProperty("user.home"),
            "CONTAINERS_CONF", containersConf.toString(),
            "CONTAINERS_STORAGE_CONF", storageConf.toString(),
            "CONTAINERS_REGISTRIES_CONF", registriesConf.toString());
  }

  /**
   * The podman of this JVM: storage in {@code ~/.cache/skiff-testing/podman} (or {@code
   * $SKIFF_TESTING_CACHE/podman}), shared with other JVMs and kept between runs so that image
   * layers are pulled once; its containers are removed when the JVM exits, and containers left by
   * JVMs that died are removed when it opens, as are images no JVM pulled for 3 days.
   */
  public static synchronized Podman shared() {
    if (shared == null) {
      try {
        Podman podman = open(TestCache.dir().resolve("podman"));
        Runtime.getRuntime().addShutdownHook(new Thread(podman::close, "podman-shared-close"));
        shared = podman;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return shared;
  }

  /**
   * Podman with its storage kept in {@code dir} ({@code storage/}, {@code run/}, {@code conf/},
   * {@code pulls/}), which several JVMs may use at once. {@link #close()} removes only this
   * instance's containers. Opening removes the containers of JVMs that died and images nobody
   * pulled for 3 days.
   */
  public static Podman open(Path dir) throws IOException {
    Files.createDirectories(dir);
    resetRunRootAfterReboot(dir.toAbsolutePath());
    Podman podman = new Podman(dir, false);
    podman.removeContainersOfDeadJvms();
    podman.pruneImagesNotPulledFor(IMAGE_RETENTION);
    return podman;
  }

  /** Podman with storage in a new temporary folder that {@link #close()} resets and deletes. */
  public static Podman temporary() throws IOException {
    return new Podman(Files.createTempDirectory("skiff-podman-"), true);
  }

  /**
   * Whether podman can run containers here: Linux, root, and {@code podman}, {@code runc} and
   * {@code conmon} installed. Checked once per JVM.
   */
  public static boolean available() {
    return unavailableReason() == null;
  }

  /** Why {@link #available()} is false, or null when it is true. */
  public static synchronized String unavailableReason() {
    if (!probed) {
      unavailableReason = probe();
      probed = true;
    }
    return unavailableReason;
  }

  /**
   * Skips the calling test with the reason when podman is not {@link #available()}, or fails it on
   * CI ({@code CI=true}), where podman must be installed.
   */
  public static void assumeAvailable() {
    String reason = unavailableReason();
    if (reason != null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason);
      }
      Assumptions.abort(reason);
    }
  }

  /**
   * Pulls an image, normally by digest ({@code 127.0.0.1:PORT/repo@sha256:...}), over plain HTTP
   * ({@code --tls-verify=false}: the registries are loopback processes), and returns its local id.
   * A digest reference pulled before by this instance is not asked for again.
   *
   * @throws ImagePullException with podman's reason (e.g. {@code manifest unknown}); an unreachable
   *     registry is tried 3 times by podman (about 3 s)
   */
  public String pull(String imageRef) throws ImagePullException {
    ensureOpen();
    String known = imageRef.contains("@sha256:") ? pulledDigests.get(imageRef) : null;
    if (known != null) {
      return known;
    }
    Result r =
        exec(
            List.of(
                "pull",
                "-q",
                "--tls-verify=false",
                "--signature-policy",
                policy.toString(),
                imageRef));
    if (r.exitCode != 0) {
      throw new ImagePullException(imageRef, r.errorLine());
    }
    List<String> lines = r.stdoutLines();
    String id = lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
    if (!id.matches("[0-9a-f]{64}")) {
      throw new PodmanException("podman pull " + imageRef + " printed no image id: " + r.stdout);
    }
    if (imageRef.contains("@sha256:")) {
      pulledDigests.put(imageRef, id);
    }
    touchPullMarker(id);
    return id;
  }

  /**
   * Removes the images no JVM pulled through this storage for {@code age} (and that no container
   * uses); an image without a pull record gets one now. Best effort: other JVMs may use the storage
   * at the same time.
   */
  public void pruneImagesNotPulledFor(Duration age) {
    ensureOpen();
    Result r = exec(List.of("images", "--quiet", "--no-trunc"));
    if (r.exitCode != 0) {
      return;
    }
    List<String> stale = new ArrayList<>();
    Instant cutoff = Instant.now().minus(age);
    for (String line : r.stdoutLines()) {
      String id = line.trim().replace("sha256:", "");
      Path marker = pulls.resolve(id);
      try {
        if (!Files.exists(marker)) {
          touchPullMarker(id);
        } else if (Files.getLastModifiedTime(marker).toInstant().isBefore(cutoff)) {
          stale.add(id);
        }
      } catch (IOException e) {
        // leave it
      }
    }
    if (!stale.isEmpty()) {
      List<String> rmi = new ArrayList<>(List.of("rmi"));
      rmi.addAll(stale);
      exec(rmi); // images in use by a container stay (and keep their old record)
      Result left = exec(List.of("images", "--quiet", "--no-trunc"));
      for (String id : stale) {
        if (left.exitCode == 0 && !left.stdout.contains(id)) {
          try {
            Files.deleteIfExists(pulls.resolve(id));
          } catch (IOException e) {
            // a marker more or less
          }
        }
      }
    }
  }

  /** The run configuration of a local image (an id or a pulled reference). */
  public ImageConfig imageConfig(String image) {
    ensureOpen();
    Result r = exec(List.of("image", "inspect", image));
    if (r.exitCode != 0) {
      throw new PodmanException("podman image inspect " + image + ": " + r.errorLine());
    }
    try {
      JsonNode img = JSON.readTree(r.stdout).path(0);
      JsonNode config = img.path("Config");
      return new ImageConfig(
          img.path("Id").asText(),
          config.path("User").asText(""),
          strings(config.path("Entrypoint")),
          strings(config.path("Cmd")),
          strings(config.path("Env")),
          config.path("WorkingDir").asText(""));
    } catch (IOException e) {
      throw new PodmanException("cannot parse podman image inspect " + image + ": " + r.stdout, e);
    }
  }

  /** The user of a local image ({@code USER}), empty when it runs as root by default. */
  public String imageUser(String image) {
    return imageConfig(image).user();
  }

  /**
   * Starts a container ({@code podman run}, attached) and returns at once. Its stdout and stderr
   * lines, merged in order, go to {@code output} on a thread of the container's as they are
   * printed; all of them are delivered before {@link RunningContainer#waitFor()} returns.
   */
  public RunningContainer start(ContainerSpec spec, Consumer<String> output) {
    ensureOpen();
    String name =
        spec.name() != null
            ? spec.name()
            : "skiff-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4);
    Path cidFile = cids.resolve(name);
    List<String> args = runArgs(spec, name, cidFile);
    long before = spec.podCgroup() == null ? 0 : spec.podCgroup().oomCounter();
    try {
      Files.createDirectories(cids);
      Files.deleteIfExists(cidFile);
      Process process = processBuilder(args).redirectErrorStream(true).start();
      process.getOutputStream().close();
      RunningContainer container =
          new RunningContainer(this, spec, name, cidFile, process, output, before);
      containers.add(container);
      return container;
    } catch (IOException e) {
      throw new PodmanException("cannot start podman run for " + name, e);
    }
  }

  /** Starts a container, waits for its end, removes it; for tests. */
  public Run run(ContainerSpec spec) throws InterruptedException {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    RunningContainer c = start(spec, lines::add);
    try {
      ContainerExit exit = c.waitFor();
      return new Run(exit, List.copyOf(lines));
    } finally {
      c.remove();
    }
  }

  /** The containers started here and not yet removed. */
  public List<RunningContainer> containers() {
    return List.copyOf(containers);
  }

  /** The storage folders: {@code storage/} (images, layers), {@code run/}, {@code conf/}. */
  public Path directory() {
    return dir;
  }

  /**
   * The cgroup parent of containers without a pod cgroup ({@code /skiff-podman-...}), removed by
   * {@link #close()}.
   */
  public String defaultCgroupParent() {
    return "/" + defaultCgroupParent;
  }

  /**
   * Removes this instance's containers and its default cgroup parent; a {@link #temporary()}
   * instance also removes all containers and images of its storage and deletes its folder, so no
   * mount or file stays behind.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    List<String> problems = new ArrayList<>();
    for (RunningContainer c : List.copyOf(containers)) {
      try {
        c.remove();
      } catch (RuntimeException e) {
        problems.add(e.getMessage());
      }
    }
    closed = true;
    try {
      PodCgroup.removeEverywhere(defaultCgroupParent, Duration.ofSeconds(10));
    } catch (IOException e) {
      problems.add(e.getMessage());
    }
    try {
      deleteTree(cids);
    } catch (IOException e) {
      problems.add("cannot delete " + cids + ": " + e);
    }
    if (temporary) {
      // not "system reset": it would also clear host-wide podman state (networks, machines)
      for (List<String> cleanup :
          List.of(
              List.of("rm", "--all", "--force", "--time", "0"),
              List.of("rmi", "--all", "--force"))) {
        Result r = exec(cleanup);
        if (r.exitCode != 0) {
          problems.add("podman " + cleanup + ": " + r.errorLine());
        }
      }
      try {
        unmountUnder(dir); // nothing should be mounted any more: a safety net
        deleteTree(dir);
      } catch (IOException e) {
        problems.add("cannot delete " + dir + ": " + e);
      }
    }
    if (!problems.isEmpty()) {
      throw new PodmanException("podman cleanup of " + dir + " incomplete: " + problems);
    }
  }

  @Override
  public String toString() {
    return "Podman{" + dir + (temporary ? ", temporary" : "") + "}";
  }

  void forget(RunningContainer container) {
    containers.remove(container);
  }

  /** Runs {@code podman GLOBAL-FLAGS args} to its end. */
  Result exec(List<String> args) {
    try {
      Process p = processBuilder(args).start();
      p.getOutputStream().close();
      // both pipes drained on threads: neither can fill up, and the timeout holds
      StreamReader out = new StreamReader(p.getInputStream());
      StreamReader err = new StreamReader(p.getErrorStream());
      out.start();
      err.start();
      if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new PodmanException("podman " + args + " did not end within " + COMMAND_TIMEOUT);
      }
      out.join();
      err.join();
      return new Result(p.exitValue(), out.text(), err.text());
    } catch (IOException e) {
      throw new PodmanException("cannot run podman " + args, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PodmanException("interrupted running podman " + args, e);
    }
  }

  private ProcessBuilder processBuilder(List<String> args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                BINARY,
                "--root",
                graphRoot.toString(),
                "--runroot",
                runRoot.toString(),
                "--storage-driver",
                "overlay",
                "--storage-opt",
                "overlay.skip_mount_home=true",
                "--runtime",
                "runc",
                "--cgroup-manager",
                "cgroupfs"));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    // Nothing of the JVM's environment (proxies, XDG_*, CONTAINERS_*) reaches podman or conmon.
    pb.environment().clear();
    pb.environment().putAll(environment);
    return pb;
  }

  private List<String> runArgs(ContainerSpec spec, String name, Path cidFile) {
    // the id file exists once podman created the container: before, a failure is podman's own
    List<String> a =
        new ArrayList<>(
            List.of(
                "run",
                "--name",
                name,
                "--cidfile",
                cidFile.toString(),
                "--label",
                OWNER_LABEL + "=" + owner,
                "--pull",
                "never",
                "--network",
                "host",
                "--log-driver",
                "none",
                "--sig-proxy=false",
                // conmon stays in the caller's cgroup: in the pod's it is charged to the pod and
                // the OOM
                // killer can pick it after the container, and then podman never learns the exit
                // code
                "--cgroups=no-conmon",
                "--cgroup-parent",
                spec.cgroupParent() != null ? spec.cgroupParent() : defaultCgroupParent()));
    spec.labels().forEach((k, v) -> a.addAll(List.of("--label", k + "=" + v)));
    if (spec.readOnlyRootFilesystem()) {
      // podman adds writable tmpfs on /tmp, /run, /var/tmp to --read-only unless told not to
      a.addAll(List.of("--read-only", "--read-only-tmpfs=false"));
    }
    for (ContainerSpec.Tmpfs t : spec.tmpfs()) {
      a.addAll(
          List.of(
              "--tmpfs",
              t.containerPath()
                  + ":rw,nosuid,nodev,mode=1777"
                  + (t.sizeBytes() > 0 ? ",size=" + t.sizeBytes() : "")));
    }
    for (ContainerSpec.BindMount b : spec.binds()) {
      a.addAll(
          List.of("-v", b.hostPath() + ":" + b.containerPath() + (b.readOnly() ? ":ro" : ":rw")));
    }
    if (spec.user() != null) {
      a.addAll(List.of("--user", spec.user()));
    }
    if (spec.workingDir() != null) {
      a.addAll(List.of("--workdir", spec.workingDir()));
    }
    spec.env().forEach((k, v) -> a.addAll(List.of("--env", k + "=" + v)));
    spec.capDrop().forEach(c -> a.addAll(List.of("--cap-drop", c)));
    if (spec.noNewPrivileges()) {
      a.addAll(List.of("--security-opt", "no-new-privileges"));
    }
    if (spec.command() != null) {
      try {
        a.addAll(List.of("--entrypoint", JSON.writeValueAsString(spec.command())));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    a.add(spec.image());
    if (spec.args() != null) {
      a.addAll(spec.args());
    }
    return a;
  }

  private void removeContainersOfDeadJvms() {
    Result r = exec(List.of("ps", "--all", "--filter", "label=" + OWNER_LABEL, "--format", "json"));
    if (r.exitCode != 0) {
      throw new PodmanException("podman ps: " + r.errorLine());
    }
    List<String> stale = new ArrayList<>();
    try {
      for (JsonNode c : JSON.readTree(r.stdout.isBlank() ? "[]" : r.stdout)) {
        String ownerOf = c.path("Labels").path(OWNER_LABEL).asText("");
        if (!ownerAlive(ownerOf)) {
          stale.add(c.path("Id").asText());
        }
      }
    } catch (IOException e) {
      throw new PodmanException("cannot parse podman ps: " + r.stdout, e);
    }
    if (!stale.isEmpty()) {
      List<String> rm = new ArrayList<>(List.of("rm", "--force", "--time", "0"));
      rm.addAll(stale);
      exec(rm); // best effort: another JVM may be removing them too
    }
    removeStaleCgroupParents();
    try (Stream<Path> owners = Files.list(dir.resolve("cids"))) {
      for (Path o : owners.filter(o -> !ownerAlive(o.getFileName().toString())).toList()) {
        deleteTree(o);
      }
    } catch (IOException e) {
      // none yet, or another JVM tidies them
    }
  }

  private static void removeStaleCgroupParents() {
    Path memory = Path.of("/sys/fs/cgroup/memory");
    Path base = Files.isDirectory(memory) ? memory : Path.of("/sys/fs/cgroup");
    try (Stream<Path> dirs = Files.list(base)) {
      for (Path d :
          dirs.filter(p -> p.getFileName().toString().startsWith("skiff-podman-")).toList()) {
        String rest = d.getFileName().toString().substring("skiff-podman-".length());
        int cut = rest.lastIndexOf('-');
        if (cut > 0 && !ownerAlive(rest.substring(0, cut))) {
          try {
            PodCgroup.removeEverywhere(d.getFileName().toString(), Duration.ofSeconds(1));
          } catch (IOException busy) {
            // still in use after all: leave it
          }
        }
      }
    } catch (IOException e) {
      // no cgroup folder to tidy
    }
  }

  /** {@code PID-STARTSECONDS} names a live JVM. */
  private static boolean ownerAlive(String owner) {
    int dash = owner.indexOf('-');
    if (dash < 0) {
      return false;
    }
    try {
      long pid = Long.parseLong(owner.substring(0, dash));
      long started = Long.parseLong(owner.substring(dash + 1));
      return ProcessHandle.of(pid)
          .flatMap(h -> h.info().startInstant())
          .map(i -> i.getEpochSecond() == started)
          .orElse(false);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * The run root holds per-boot state (mount counts, locks, container states); on a persistent disk
   * it must be emptied after a reboot, under a lock against other JVMs.
   */
  private static void resetRunRootAfterReboot(Path dir) throws IOException {
    String bootId;
    try {
      bootId = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
    } catch (IOException e) {
      return;
    }
    Path marker = dir.resolve("boot-id");
    try (FileChannel ch =
            FileChannel.open(
                dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      String seen = Files.exists(marker) ? Files.readString(marker).trim() : "";
      if (!seen.equals(bootId)) {
        deleteTree(dir.resolve("run"));
        Files.writeString(marker, bootId);
      }
    }
  }

  private String containersConf(Path containersConf, Path storageConf, Path registriesConf) {
    return "[containers]\n"
        + "# the sandbox lacks CAP_SYS_RESOURCE: podman's default nofile/nproc ulimits fail\n"
        + "default_ulimits = []\n"
        + "http_proxy = false\n"
        + "log_driver = \"none\"\n\n"
        + "[network]\n"
        + "network_config_dir = "
        + quote(dir.resolve("networks"))
        + "\n\n"
        + "[engine]\n"
        + "cgroup_manager = \"cgroupfs\"\n"
        + "runtime = \"runc\"\n"
        + "events_logger = \"none\"\n"
        + "lock_type = \"file\"\n"
        + "tmp_dir = "
        + quote(runRoot.resolve("libpod"))
        + "\n"
        + "# conmon runs 'podman container cleanup' at exit: it must read the same configuration\n"
        + "conmon_env_vars = [\"PATH="
        + SEARCH_PATH
        + "\", \"CONTAINERS_CONF="
        + containersConf
        + "\", \"CONTAINERS_STORAGE_CONF="
        + storageConf
        + "\", \"CONTAINERS_REGISTRIES_CONF="
        + registriesConf
        + "\"]\n";
  }

  private void touchPullMarker(String imageId) {
    try {
      Files.createDirectories(pulls);
      Path marker = pulls.resolve(imageId);
      if (!Files.exists(marker)) {
        Files.createFile(marker);
      }
      Files.setLastModifiedTime(marker, java.nio.file.attribute.FileTime.from(Instant.now()));
    } catch (IOException e) {
      // a lost marker only shortens how long the image is kept
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private static String probe() {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return "podman containers need Linux";
    }
    if (!isRoot()) {
      return "podman containers here need root (rootless podman needs other settings)";
    }
    for (String binary : List.of(BINARY, "runc", "conmon")) {
      if (findBinary(binary) == null) {
        return binary + " not found on PATH: " + INSTALL_HINT;
      }
    }
    try {
      Process p = new ProcessBuilder(BINARY, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() != 0) {
        return "podman --version failed: " + out;
      }
    } catch (IOException e) {
      return "cannot run podman: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted probing podman";
    }
    return null;
  }

  private static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0"); // effective uid
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  private static Path findBinary(String name) {
    String path =
        System.getenv().getOrDefault("PATH", "") + java.io.File.pathSeparator + SEARCH_PATH;
    for (String d : path.split(java.io.File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
        return Path.of(d, name);
      }
    }
    return null;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String quote(Path p) {
    return "\"" + p.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void writeAtomically(Path file, String content) throws IOException {
    if (Files.exists(file) && Files.readString(file).equals(content)) {
      return;
    }
    Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Unmounts whatever is still mounted below {@code dir}, deepest first. */
  private static void unmountUnder(Path dir) throws IOException {
    List<String> points = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] fields = line.split(" ");
      String point = fields.length > 4 ? fields[4].replace("\\040", " ") : "";
      if (point.startsWith(dir + "/")) {
        points.add(point);
      }
    }
    points.sort(Comparator.comparingInt(String::length).reversed());
    for (String point : points) {
      try {
        Process p = new ProcessBuilder("umount", point).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
          throw new IOException("umount " + point + ": " + out);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted unmounting " + point, e);
      }
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The end of a podman command. */
  record Result(int exitCode, String stdout, String stderr) {
    List<String> stdoutLines() {
      return stdout.lines().filter(l -> !l.isBlank()).toList();
    }

    /** Podman's last {@code Error: ...} line, or the last line of stderr. */
    String errorLine() {
      List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith("Error: ")) {
          return lines.get(i);
        }
      }
      return lines.isEmpty() ? "exit code " + exitCode : lines.get(lines.size() - 1);
    }
  }

  private static final class StreamReader extends Thread {
    private final InputStream in;
    private volatile String text = "";

    StreamReader(InputStream in) {
      super("podman-output");
      setDaemon(true);
      this.in = in;
    }

    @Override
    public void run() {
      try {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        text = "(stderr unreadable: " + e + ")";
      }
    }

    String text() {
      return text;
    }
  }

  /** Where the other JVMs and runs find the same cached folders. */
  static final class TestCache {
    private TestCache() {}

    static Path dir() {
      String env = System.getenv("SKIFF_TESTING_CACHE");
      if (env != null && !env.isBlank()) {
        return Path.of(env);
      }
      return Path.of(System.getProperty("user.home"), ".cache", "skiff-testing");
    }
  }
}
