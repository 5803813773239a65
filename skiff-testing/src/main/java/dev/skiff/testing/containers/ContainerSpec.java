package dev.skiff.testing.containers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What to run in one container, in a kubelet's terms: {@code command} replaces the image's
 * entrypoint (and then its cmd too), {@code args} replace the image's cmd. Build with {@link
 * #newBuilder(String)}; only the image is required.
 *
 * @param image an image id (from {@link Podman#pull}) or a reference already in podman's storage;
 *     never pulled by {@link Podman#start}
 * @param command the entrypoint override, or null for the image's entrypoint
 * @param args the cmd override, or null for the image's cmd (if {@code command} is null)
 * @param env environment variables added to the image's, in order
 * @param workingDir the working directory, or null for the image's
 * @param user {@code uid[:gid]} (or a name from the image's /etc/passwd), or null for the image's
 * @param readOnlyRootFilesystem the root filesystem is read-only, and unlike podman's default no
 *     tmpfs is added on /tmp, /run or /var/tmp: only the declared {@code tmpfs} mounts are writable
 * @param tmpfs in-memory filesystems, like an {@code emptyDir} with {@code medium: Memory}
 * @param binds host files or folders, the only host paths a container can see
 * @param capDrop capabilities dropped, e.g. {@code ALL}
 * @param noNewPrivileges {@code allowPrivilegeEscalation: false}
 * @param cgroupParent an absolute cgroup path such as {@link PodCgroup#parent()}, or null for the
 *     podman instance's own parent
 * @param podCgroup the pod cgroup behind {@code cgroupParent}, if any: then an exit by the kernel's
 *     OOM killer is told apart from a plain exit 137
 * @param name the container name, or null for a generated one; unique in podman's storage
 * @param labels container labels
 */
public record ContainerSpec(
    String image,
    List<String> command,
    List<String> args,
    Map<String, String> env,
    String workingDir,
    String user,
    boolean readOnlyRootFilesystem,
    List<Tmpfs> tmpfs,
    List<BindMount> binds,
    List<String> capDrop,
    boolean noNewPrivileges,
    String cgroupParent,
    PodCgroup podCgroup,
    String name,
    Map<String, String> labels) {

  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  private static final Pattern ENV_NAME = Pattern.compile("[^=\\x00]+");
  private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]*|[0-9]+(:[0-9]+)?");

  public ContainerSpec {
    requireNonBlank(image, "image");
    command = command == null ? null : List.copyOf(command);
    args = args == null ? null : List.copyOf(args);
    env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
    tmpfs = List.copyOf(tmpfs);
    binds = List.copyOf(binds);
    capDrop = List.copyOf(capDrop);
    labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
  }

  public static Builder newBuilder(String image) {
    return new Builder(image);
  }

  public Builder toBuilder() {
    Builder b = new Builder(image);
    b.command = command;
    b.args = args;
    b.env.putAll(env);
    b.workingDir = workingDir;
    b.user = user;
    b.readOnlyRootFilesystem = readOnlyRootFilesystem;
    b.tmpfs.addAll(tmpfs);
    b.binds.addAll(binds);
    b.capDrop.addAll(capDrop);
    b.noNewPrivileges = noNewPrivileges;
    b.cgroupParent = cgroupParent;
    b.podCgroup = podCgroup;
    b.name = name;
    b.labels.putAll(labels);
    return b;
  }

  /**
   * A tmpfs at {@code containerPath}, writable by everyone (mode 1777).
   *
   * @param sizeBytes its size limit, or 0 for the kernel's default (half the RAM)
   */
  public record Tmpfs(String containerPath, long sizeBytes) {
    public Tmpfs {
      requireContainerPath(containerPath);
      if (sizeBytes < 0) {
        throw new IllegalArgumentException("tmpfs size must be >= 0: " + sizeBytes);
      }
    }
  }

  /** A host path visible in the container at {@code containerPath}. */
  public record BindMount(Path hostPath, String containerPath, boolean readOnly) {
    public BindMount {
      Objects.requireNonNull(hostPath, "hostPath");
      if (!hostPath.isAbsolute()
          || hostPath.toString().contains(":")
          || hostPath.toString().contains(",")) {
        throw new IllegalArgumentException(
            "host path must be absolute, without ':' or ',': " + hostPath);
      }
      requireContainerPath(containerPath);
    }
  }

  /** Sets the {@link ContainerSpec} fields; each setter documents its default. */
  public static final class Builder {
    private final String image;
    private List<String> command;
    private List<String> args;
    private final Map<String, String> env = new LinkedHashMap<>();
    private String workingDir;
    private String user;
    private boolean readOnlyRootFilesystem;
    private final List<Tmpfs> tmpfs = new ArrayList<>();
    private final List<BindMount> binds = new ArrayList<>();
    private final List<String> capDrop = new ArrayList<>();
    private boolean noNewPrivileges;
    private String cgroupParent;
    private PodCgroup podCgroup;
    private String name;
    private final Map<String, String> labels = new LinkedHashMap<>();

    private Builder(String image) {
      this.image = requireNonBlank(image, "image");
    }

    /** Replaces the entrypoint (and drops the image's cmd). Default: the image's. */
    public Builder command(List<String> command) {
      if (command != null && command.isEmpty()) {
        throw new IllegalArgumentException(
            "command must not be empty: use null for the image's entrypoint");
      }
      this.command = command == null ? null : List.copyOf(command);
      return this;
    }

    public Builder command(String... command) {
      return command(List.of(command));
    }

    /** Replaces the image's cmd. Default: the image's cmd, unless {@link #command} is set. */
    public Builder args(List<String> args) {
      this.args = args == null ? null : List.copyOf(args);
      return this;
    }

    public Builder args(String... args) {
      return args(List.of(args));
    }

    /** Adds (or replaces) one environment variable. Default: only the image's. */
    public Builder env(String name, String value) {
      if (!ENV_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("bad environment variable name: " + name);
      }
      env.put(name, Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder env(Map<String, String> variables) {
      variables.forEach(this::env);
      return this;
    }

    /** Default: the image's working directory. */
    public Builder workingDir(String workingDir) {
      this.workingDir = workingDir == null ? null : requireContainerPath(workingDir);
      return this;
    }

    /** {@code uid}, {@code uid:gid} or a user name. Default: the image's user. */
    public Builder user(String user) {
      if (user != null && !USER.matcher(user).matches()) {
        throw new IllegalArgumentException("user must be uid[:gid] or a name: " + user);
      }
      this.user = user;
      return this;
    }

    /** Shorthand for {@link #user(String)} with {@code uid:gid}. */
    public Builder user(long uid, long gid) {
      if (uid < 0 || gid < 0) {
        throw new IllegalArgumentException("uid and gid must be >= 0");
      }
      return user(uid + ":" + gid);
    }

    /** Default: false (a writable root filesystem). */
    public Builder readOnlyRootFilesystem(boolean readOnly) {
      this.readOnlyRootFilesystem = readOnly;
      return this;
    }

    /** Adds a tmpfs of the kernel's default size. Default: none. */
    public Builder tmpfs(String containerPath) {
      return tmpfs(containerPath, 0);
    }

    public Builder tmpfs(String containerPath, long sizeBytes) {
      tmpfs.add(new Tmpfs(containerPath, sizeBytes));
      return this;
    }

    /** Adds a bind mount. Default: none, so no host path is visible. */
    public Builder bind(Path hostPath, String containerPath, boolean readOnly) {
      binds.add(new BindMount(hostPath, containerPath, readOnly));
      return this;
    }

    /** Drops a capability, e.g. {@code ALL}. Default: podman's default set stays. */
    public Builder capDrop(String capability) {
      capDrop.add(requireNonBlank(capability, "capability"));
      return this;
    }

    /** Default: false. */
    public Builder noNewPrivileges(boolean noNewPrivileges) {
      this.noNewPrivileges = noNewPrivileges;
      return this;
    }

    /** Runs in {@code pod}'s cgroup (its memory limit applies). Default: no pod cgroup. */
    public Builder podCgroup(PodCgroup pod) {
      this.podCgroup = pod;
      this.cgroupParent = pod == null ? null : pod.parent();
      return this;
    }

    /** A raw cgroup parent (absolute, e.g. {@code /mypod}); prefer {@link #podCgroup}. */
    public Builder cgroupParent(String cgroupParent) {
      if (cgroupParent != null && !cgroupParent.startsWith("/")) {
        throw new IllegalArgumentException("cgroup parent must be absolute: " + cgroupParent);
      }
      this.cgroupParent = cgroupParent;
      this.podCgroup = null;
      return this;
    }

    /** Default: {@code skiff-} and a random suffix. */
    public Builder name(String name) {
      if (name != null && !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("container name must match " + NAME + ": " + name);
      }
      this.name = name;
      return this;
    }

    public Builder label(String key, String value) {
      labels.put(requireNonBlank(key, "label key"), Objects.requireNonNull(value, "label value"));
      return this;
    }

    public ContainerSpec build() {
      return new ContainerSpec(
          image,
          command,
          args,
          env,
          workingDir,
          user,
          readOnlyRootFilesystem,
          tmpfs,
          binds,
          capDrop,
          noNewPrivileges,
          cgroupParent,
          podCgroup,
          name,
          labels);
    }
  }

  private static String requireNonBlank(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " is required");
    }
    return value;
  }

  private static String requireContainerPath(String path) {
    if (path == null || !path.startsWith("/") || path.contains(":") || path.contains(",")) {
      throw new IllegalArgumentException(
          "container path must be absolute, without ':' or ',': " + path);
    }
    return path;
  }
}
