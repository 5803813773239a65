package dev.skiff.testing.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A memory cgroup for one pod, as a kubelet makes one: containers started with {@link
 * ContainerSpec.Builder#podCgroup} run below it (podman's {@code --cgroup-parent}), so the limit
 * covers them all and the kernel kills a process that goes over it (exit 137).
 *
 * <p>Podman's own {@code State.OOMKilled} stays false on cgroup v1, so the kill is read here:
 * {@link #oomCounter()} is {@code memory.failcnt} on v1 (the times usage hit the limit; the v1
 * {@code oom_kill} count of {@code memory.oom_control} only counts in the victim's own container
 * cgroup, which podman deletes) and {@code oom_kill} of {@code memory.events} on v2. Both v1 (and
 * the hybrid layout, where the memory controller is on v1) and v2 are handled; needs root.
 *
 * <p>Podman creates the same path in every other v1 hierarchy (cpu, pids, ...): {@link #remove()}
 * deletes them all. ({@link Podman} keeps conmon out of the pod cgroup.)
 */
public final class PodCgroup implements AutoCloseable {
  private static final Path ROOT = Path.of("/sys/fs/cgroup");
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]+(/[a-zA-Z0-9_.-]+)*");
  private static final Duration REMOVE_TIMEOUT = Duration.ofSeconds(10);

  private final String name;
  private final long memoryLimitBytes;
  private final Layout layout;
  private final Path memoryDir;

  /** How the memory controller is mounted. */
  public enum Layout {
    /** {@code /sys/fs/cgroup/memory} (cgroup v1, alone or in the hybrid layout). */
    V1,
    /** {@code /sys/fs/cgroup} is cgroup2 with the memory controller. */
    V2
  }

  private PodCgroup(String name, long memoryLimitBytes, Layout layout, Path memoryDir) {
    this.name = name;
    this.memoryLimitBytes = memoryLimitBytes;
    this.layout = layout;
    this.memoryDir = memoryDir;
  }

  /** The memory controller's layout on this machine, or null if there is none usable. */
  public static Layout layout() {
    if (Files.exists(ROOT.resolve("memory/memory.limit_in_bytes"))) {
      return Layout.V1;
    }
    try {
      Path controllers = ROOT.resolve("cgroup.controllers");
      if (Files.exists(controllers)
          && List.of(Files.readString(controllers).trim().split("\\s+")).contains("memory")) {
        return Layout.V2;
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  /** Whether pod cgroups can be made here (a memory controller, writable: root). */
  public static boolean supported() {
    return unsupportedReason() == null;
  }

  /** Why {@link #supported()} is false, or null. */
  public static String unsupportedReason() {
    Layout layout = layout();
    if (layout == null) {
      return "no memory cgroup controller under " + ROOT;
    }
    Path dir = layout == Layout.V1 ? ROOT.resolve("memory") : ROOT;
    if (!Files.isWritable(dir)) {
      return dir + " is not writable (pod cgroups need root)";
    }
    return null;
  }

  /**
   * Makes {@code /sys/fs/cgroup/memory/NAME} (v1) or {@code /sys/fs/cgroup/NAME} (v2) with the
   * given memory limit (on v2 also {@code memory.swap.max} 0; v1 sets no memory+swap limit).
   *
   * @param name one or more path segments of {@code [a-zA-Z0-9_.-]}; must not exist yet
   * @param memoryLimitBytes at least 4 MiB
   */
  public static PodCgroup create(String name, long memoryLimitBytes) throws IOException {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("cgroup name must match " + NAME + ": " + name);
    }
    if (memoryLimitBytes < 4L << 20) {
      throw new IllegalArgumentException(
          "memory limit must be at least 4 MiB: " + memoryLimitBytes);
    }
    String reason = unsupportedReason();
    if (reason != null) {
      throw new IOException("pod cgroups are not supported here: " + reason);
    }
    Layout layout = layout();
    if (layout == Layout.V1) {
      Path dir = ROOT.resolve("memory").resolve(name);
      createNew(dir);
      // Not memory.memsw.limit_in_bytes (as a kubelet on v1): with it, the charge fails on memsw
      // first, and this kernel (6.18) then counts no failcnt anywhere.
      write(dir.resolve("memory.limit_in_bytes"), memoryLimitBytes);
      return new PodCgroup(name, memoryLimitBytes, layout, dir);
    }
    // v2: each ancestor must hand the memory controller down to its children.
    Path parent = ROOT;
    String[] segments = name.split("/");
    for (int i = 0; i < segments.length; i++) {
      enableMemoryController(parent);
      Path dir = parent.resolve(segments[i]);
      if (i == segments.length - 1) {
        createNew(dir);
      } else {
        Files.createDirectories(dir);
      }
      parent = dir;
    }
    write(parent.resolve("memory.max"), memoryLimitBytes);
    Path swap = parent.resolve("memory.swap.max");
    if (Files.exists(swap)) {
      write(swap, 0);
    }
    return new PodCgroup(name, memoryLimitBytes, layout, parent);
  }

  public String name() {
    return name;
  }

  /** The path for podman's {@code --cgroup-parent}: {@code /NAME}. */
  public String parent() {
    return "/" + name;
  }

  public long memoryLimitBytes() {
    return memoryLimitBytes;
  }

  public Layout cgroupLayout() {
    return layout;
  }

  /** The cgroup folder of the memory controller. */
  public Path memoryDir() {
    return memoryDir;
  }

  /**
   * A counter that goes up when the pod hits its memory limit so that the kernel OOM-kills: v1
   * {@code memory.failcnt}, v2 {@code oom_kill} of {@code memory.events}. On v1 it also counts
   * limit hits that reclaim resolved, so read it together with exit code 137 (as {@link
   * RunningContainer} does).
   */
  public long oomCounter() {
    try {
      if (layout == Layout.V1) {
        return Long.parseLong(Files.readString(memoryDir.resolve("memory.failcnt")).trim());
      }
      for (String line : Files.readAllLines(memoryDir.resolve("memory.events"))) {
        if (line.startsWith("oom_kill ")) {
          return Long.parseLong(line.substring("oom_kill ".length()).trim());
        }
      }
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the OOM counter of pod cgroup " + name, e);
    }
  }

  /** Whether anything in the pod was OOM-killed (on v1: hit the limit) since creation. */
  public boolean oomKilled() {
    return oomCounter() > 0;
  }

  /** The memory charged to the pod now (including page cache). */
  public long memoryUsageBytes() {
    try {
      Path file =
          memoryDir.resolve(layout == Layout.V1 ? "memory.usage_in_bytes" : "memory.current");
      return Long.parseLong(Files.readString(file).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Deletes the cgroup and what podman made below it, in every hierarchy. Waits up to 10 s for the
   * last processes (conmon) to leave; fails if some remain (stop the containers first).
   */
  public void remove() throws IOException {
    removeEverywhere(name, REMOVE_TIMEOUT);
  }

  @Override
  public void close() {
    try {
      remove();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "PodCgroup{" + parent() + ", limit=" + memoryLimitBytes + ", " + layout + "}";
  }

  /** Deletes {@code name} (a relative cgroup path) and its children in every hierarchy. */
  static void removeEverywhere(String name, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    IOException failure = null;
    for (Path hierarchy : hierarchies()) {
      Path dir = hierarchy.resolve(name);
      if (Files.isDirectory(dir)) {
        try {
          removeTree(dir, deadline);
        } catch (IOException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** The roots of all cgroup hierarchies: {@code /sys/fs/cgroup} itself on v2, its mounts on v1. */
  private static List<Path> hierarchies() throws IOException {
    List<Path> roots = new ArrayList<>();
    if (Files.exists(ROOT.resolve("cgroup.controllers"))) {
      roots.add(ROOT); // v2 only
      return roots;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(ROOT)) {
      for (Path d : dirs) {
        // "cpu" -> "cpu,cpuacct" links would list one hierarchy twice
        if (Files.isDirectory(d) && !Files.isSymbolicLink(d)) {
          roots.add(d);
        }
      }
    }
    return roots;
  }

  private static void removeTree(Path dir, long deadline) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
      entries.forEach(children::add);
    } catch (NoSuchFileException gone) {
      return;
    }
    for (Path child : children) {
      removeTree(child, deadline);
    }
    while (true) {
      try {
        Files.deleteIfExists(dir); // rmdir; EBUSY while a process is still in it
        return;
      } catch (FileSystemException busy) {
        if (System.nanoTime() > deadline) {
          String procs = readOrEmpty(dir.resolve("cgroup.procs")).replace('\n', ' ').trim();
          throw new IOException(
              "cannot remove cgroup " + dir + " (processes: [" + procs + "]): " + busy.getMessage(),
              busy);
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted removing cgroup " + dir, e);
        }
      }
    }
  }

  private static void enableMemoryController(Path cgroup) throws IOException {
    Path control = cgroup.resolve("cgroup.subtree_control");
    if (!List.of(readOrEmpty(control).trim().split("\\s+")).contains("memory")) {
      Files.writeString(control, "+memory");
    }
  }

  private static void createNew(Path dir) throws IOException {
    Files.createDirectories(dir.getParent());
    try {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      throw new FileAlreadyExistsException(
          dir.toString(), null, "pod cgroup already exists (left over? remove it first)");
    }
  }

  private static void write(Path file, long value) throws IOException {
    Files.writeString(file, Long.toString(value));
  }

  private static String readOrEmpty(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
