package dev.skiff.testing.kubernetes;

import dev.skiff.testing.containers.ContainerSpec;
import dev.skiff.testing.containers.ImageConfig;
import dev.skiff.testing.containers.PodCgroup;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the container kubelet does for one pod before its containers run, as a real kubelet does:
 * volumes prepared in the pod's sandbox folder (emptyDir, secret, the service-account token at its
 * standard path; hostPath only where the cluster allows it), the user and security context checked
 * against the image ({@code runAsNonRoot} with a root image is a {@code
 * CreateContainerConfigError}), and the pod's memory cgroup sized by the containers' limits. A
 * container sees no host file that a volume does not declare.
 */
final class PodContainers {
  static final String SERVICE_ACCOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
  static final String DEFAULT_TERMINATION_PATH = "/dev/termination-log";

  private final KubernetesClient client;
  private final Pod pod;
  private final Path sandbox;
  private final Set<Path> allowedHostPaths;

  PodContainers(KubernetesClient client, Pod pod, Path sandbox, Set<Path> allowedHostPaths) {
    this.client = client;
    this.pod = pod;
    this.sandbox = sandbox;
    this.allowedHostPaths = allowedHostPaths;
  }

  /** The pod's memory cgroup when every container has a memory limit (their sum), else null. */
  PodCgroup cgroup(String name) throws IOException {
    long total = 0;
    for (Container c : pod.getSpec().getContainers()) {
      Quantity limit =
          c.getResources() == null || c.getResources().getLimits() == null
              ? null
              : c.getResources().getLimits().get("memory");
      if (limit == null) {
        return null;
      }
      total += Quantity.getAmountInBytes(limit).longValue();
    }
    return total == 0 ? null : PodCgroup.create(name, total);
  }

  /**
   * The container's run spec: {@code commandLine} already combines the image's entrypoint and cmd
   * with the container's command and args, as Kubernetes does.
   *
   * @throws ContainerEnv.ConfigError what a kubelet reports as {@code CreateContainerConfigError}
   */
  ContainerSpec spec(
      Container c,
      ImageConfig image,
      List<String> commandLine,
      Map<String, String> env,
      Path serviceAccount,
      PodCgroup cgroup,
      String containerName)
      throws ContainerEnv.ConfigError, IOException {
    ContainerSpec.Builder b =
        ContainerSpec.newBuilder(image.id()).command(commandLine).env(env).name(containerName);
    String workingDir =
        c.getWorkingDir() != null && !c.getWorkingDir().isBlank() ? c.getWorkingDir() : null;
    if (workingDir != null) {
      b.workingDir(workingDir);
    }
    b.user(user(c, image));
    SecurityContext sc = c.getSecurityContext();
    if (sc != null) {
      b.readOnlyRootFilesystem(Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()));
      if (sc.getCapabilities() != null && sc.getCapabilities().getDrop() != null) {
        sc.getCapabilities().getDrop().forEach(b::capDrop);
      }
      b.noNewPrivileges(Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()));
      if (Boolean.TRUE.equals(sc.getPrivileged())) {
        throw new ContainerEnv.ConfigError(
            "privileged containers are not run by this test cluster");
      }
    }
    if (c.getVolumeMounts() != null) {
      for (VolumeMount m : c.getVolumeMounts()) {
        b.bind(volume(m.getName()), m.getMountPath(), Boolean.TRUE.equals(m.getReadOnly()));
      }
    }
    if (serviceAccount != null && Files.exists(serviceAccount.resolve("token"))) {
      b.bind(serviceAccount, SERVICE_ACCOUNT_PATH, true);
    }
    String terminationPath =
        c.getTerminationMessagePath() == null
            ? DEFAULT_TERMINATION_PATH
            : c.getTerminationMessagePath();
    b.bind(terminationLog(c), terminationPath, false);
    if (cgroup != null) {
      b.podCgroup(cgroup);
    }
    return b.build();
  }

  /**
   * The file a container's termination message is written to (bound at its terminationMessagePath).
   */
  Path terminationLog(Container c) throws IOException {
    Path file = sandbox.resolve("termination").resolve(c.getName());
    if (!Files.exists(file)) {
      Files.createDirectories(file.getParent());
      Files.createFile(file);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
    }
    return file;
  }

  /**
   * The user the container runs as: the container's, else the pod's {@code runAsUser} (and group),
   * else the image's. {@code runAsNonRoot} refuses root the way the kubelet does.
   */
  private String user(Container c, ImageConfig image) throws ContainerEnv.ConfigError {
    SecurityContext sc = c.getSecurityContext();
    PodSecurityContext psc = pod.getSpec().getSecurityContext();
    Long uid =
        sc != null && sc.getRunAsUser() != null
            ? sc.getRunAsUser()
            : psc != null ? psc.getRunAsUser() : null;
    Long gid =
        sc != null && sc.getRunAsGroup() != null
            ? sc.getRunAsGroup()
            : psc != null ? psc.getRunAsGroup() : null;
    boolean nonRoot =
        sc != null && sc.getRunAsNonRoot() != null
            ? sc.getRunAsNonRoot()
            : psc != null && Boolean.TRUE.equals(psc.getRunAsNonRoot());
    String podName = pod.getMetadata().getName();
    if (uid != null) {
      if (nonRoot && uid == 0) {
        throw new ContainerEnv.ConfigError(
            "container's runAsUser breaks non-root policy (pod: \""
                + podName
                + "_"
                + pod.getMetadata().getNamespace()
                + "("
                + pod.getMetadata().getUid()
                + ")\", container: "
                + c.getName()
                + ")");
      }
      return gid != null ? uid + ":" + gid : Long.toString(uid);
    }
    String imageUser = image.user() == null ? "" : image.user();
    if (nonRoot) {
      if (image.uid().isEmpty() && !imageUser.isEmpty()) {
        throw new ContainerEnv.ConfigError(
            "container has runAsNonRoot and image has non-numeric user ("
                + imageUser
                + "), cannot verify user is non-root (pod: \""
                + podName
                + "_"
                + pod.getMetadata().getNamespace()
                + "("
                + pod.getMetadata().getUid()
                + ")\", container: "
                + c.getName()
                + ")");
      }
      if (imageUser.isEmpty() || image.uid().orElse(0) == 0) {
        throw new ContainerEnv.ConfigError(
            "container has runAsNonRoot and image will run as root (pod: \""
                + podName
                + "_"
                + pod.getMetadata().getNamespace()
                + "("
                + pod.getMetadata().getUid()
                + ")\", container: "
                + c.getName()
                + ")");
      }
    }
    return imageUser.isEmpty()
        ? "0"
        : gid != null && !imageUser.contains(":") ? imageUser + ":" + gid : imageUser;
  }

  /** The host folder (or file) behind a volume of the pod, prepared on first use. */
  private Path volume(String name) throws ContainerEnv.ConfigError, IOException {
    Volume v =
        pod.getSpec().getVolumes() == null
            ? null
            : pod.getSpec().getVolumes().stream()
                .filter(x -> name.equals(x.getName()))
                .findFirst()
                .orElse(null);
    if (v == null) {
      throw new ContainerEnv.ConfigError(
          "volume \"" + name + "\" is mounted but not declared in the pod's volumes");
    }
    Path dir = sandbox.resolve("volumes").resolve(name);
    if (v.getEmptyDir() != null) {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(
            dir, PosixFilePermissions.fromString("rwxrwxrwx")); // any pod user may write
      }
      return dir;
    }
    if (v.getSecret() != null) {
      if (!Files.isDirectory(dir)) {
        String secretName = v.getSecret().getSecretName();
        Secret secret =
            client
                .secrets()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(secretName)
                .get();
        if (secret == null) {
          throw new ContainerEnv.ConfigError("secret \"" + secretName + "\" not found");
        }
        Files.createDirectories(dir);
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        List<KeyToPath> items = v.getSecret().getItems();
        if (items == null || items.isEmpty()) {
          for (Map.Entry<String, String> e : data.entrySet()) {
            writeKey(dir.resolve(e.getKey()), e.getValue());
          }
        } else {
          for (KeyToPath item : items) {
            if (!data.containsKey(item.getKey())) {
              throw new ContainerEnv.ConfigError(
                  "couldn't find key "
                      + item.getKey()
                      + " in Secret "
                      + pod.getMetadata().getNamespace()
                      + "/"
                      + secretName);
            }
            writeKey(dir.resolve(item.getPath()), data.get(item.getKey()));
          }
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      return dir;
    }
    if (v.getHostPath() != null) {
      Path host = Path.of(v.getHostPath().getPath()).toAbsolutePath().normalize();
      if (allowedHostPaths.stream().noneMatch(host::startsWith)) {
        throw new ContainerEnv.ConfigError(
            "hostPath volume \""
                + name
                + "\" ("
                + host
                + ") is not allowed on this test cluster:"
                + " declare it with FakeCluster.builder().allowHostPath(...)");
      }
      return host;
    }
    throw new ContainerEnv.ConfigError(
        "volume \""
            + name
            + "\" has a type this test cluster does not run (emptyDir, secret or an allowed hostPath)");
  }

  private static void writeKey(Path file, String base64) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(base64));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }

  /**
   * A container's termination message: what it wrote to its terminationMessagePath (at most 4096
   * bytes).
   */
  static String terminationMessage(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      String text = new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.UTF_8);
      return text.isEmpty() ? null : text;
    } catch (IOException e) {
      return null;
    }
  }
}
