package dev.skiff.testing.kubernetes;

import static dev.skiff.testing.kubernetes.EventRecorder.NORMAL;
import static dev.skiff.testing.kubernetes.EventRecorder.WARNING;

import dev.skiff.testing.containers.ContainerExit;
import dev.skiff.testing.containers.ImageConfig;
import dev.skiff.testing.containers.ImagePullException;
import dev.skiff.testing.containers.PodCgroup;
import dev.skiff.testing.containers.Podman;
import dev.skiff.testing.containers.RunningContainer;
import dev.skiff.testing.kubernetes.ApiFront.LogLookup;
import dev.skiff.testing.kubernetes.ApiFront.Reply;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateRunningBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateWaitingBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A kubelet for one node ({@value #NODE_NAME}) that runs every pod: it writes real pod status
 * through the status subresource and really executes each container as a local process.
 */
final class FakeKubelet implements AutoCloseable {
  static final String NODE_NAME = "fake-node";
  static final String POD_IP = "127.0.0.1";

  private static final Logger LOG = Logger.getLogger(FakeKubelet.class.getName());
  private static final Duration MAX_GRACE = Duration.ofSeconds(30);

  /** Where pods find the API server and where the kubelet keeps pod sandboxes. */
  record Settings(
      String apiHost,
      int apiPort,
      String caCertificatePem,
      Path root,
      PrintStream echo,
      BiConsumer<String, String> tokenRegistry,
      Podman podman,
      Set<Path> allowedHostPaths) {
    /** Host-JVM pods only, as before containers (unit tests of the kubelet itself). */
    Settings(
        String apiHost,
        int apiPort,
        String caCertificatePem,
        Path root,
        PrintStream echo,
        BiConsumer<String, String> tokenRegistry) {
      this(apiHost, apiPort, caCertificatePem, root, echo, tokenRegistry, null, Set.of());
    }
  }

  private final KubernetesClient client;
  private final ImageRegistry images;
  private final EventRecorder events;
  private final ContainerEnv containerEnv;
  private final Settings settings;
  private final List<PodFault> faults;
  private final Map<String, PodWorker> workers = new ConcurrentHashMap<>();
  private final List<PodWorker> history = new CopyOnWriteArrayList<>();
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread thread = new Thread(r, "fake-kubelet");
            thread.setDaemon(true);
            return thread;
          });
  private volatile boolean closed;
  private volatile Function<String, Pod> podCache = key -> null;

  FakeKubelet(
      KubernetesClient client,
      ImageRegistry images,
      EventRecorder events,
      Settings settings,
      List<PodFault> faults) {
    this.client = client;
    this.images = images;
    this.events = events;
    this.containerEnv = new ContainerEnv(client);
    this.settings = settings;
    this.faults = faults;
  }

  /**
   * Where to read pods first ({@code namespace/name} to the informer's copy) before writing status.
   */
  void usePodCache(Function<String, Pod> cache) {
    this.podCache = cache;
  }

  // ---- informer callbacks ---------------------------------------------------------------------

  void onPod(Pod pod) {
    if (closed) {
      return;
    }
    String uid = pod.getMetadata().getUid();
    PodWorker worker = workers.get(uid);
    if (worker == null) {
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if ("Succeeded".equals(phase)
          || "Failed".equals(phase)
          || pod.getMetadata().getDeletionTimestamp() != null) {
        return; // finished or going away before this kubelet saw it
      }
      PodWorker created = new PodWorker(pod);
      if (workers.putIfAbsent(uid, created) == null) {
        history.add(created);
        threads.execute(created);
      }
    } else if (pod.getMetadata().getDeletionTimestamp() != null) {
      worker.terminating = true;
      worker.signal();
    }
  }

  void onPodDeleted(Pod pod) {
    PodWorker worker = workers.get(pod.getMetadata().getUid());
    if (worker != null) {
      worker.gone = true;
      worker.signal();
    }
  }

  // ---- queries ------------------------------------------------------------------------------

  LogLookup lookupLog(String namespace, String name, String container, boolean previous) {
    Pod pod = client.pods().inNamespace(namespace).withName(name).get();
    if (pod == null) {
      return new LogLookup(
          null,
          Reply.status(
              404,
              "NotFound",
              "pods \"" + name + "\" not found",
              Map.of("name", name, "kind", "pods")));
    }
    List<String> names = pod.getSpec().getContainers().stream().map(Container::getName).toList();
    String chosen = container;
    if (chosen == null || chosen.isEmpty()) {
      if (names.size() != 1) {
        return new LogLookup(
            null,
            Reply.status(
                400,
                "a container name must be specified for pod "
                    + name
                    + ", choose one of: "
                    + names.toString().replace(",", "")));
      }
      chosen = names.get(0);
    } else if (!names.contains(chosen)) {
      return new LogLookup(
          null, Reply.status(400, "container " + chosen + " is not valid for pod " + name));
    }
    if (previous) {
      return new LogLookup(
          null,
          Reply.status(
              400,
              "previous terminated container \""
                  + chosen
                  + "\" in pod \""
                  + name
                  + "\" not found"));
    }
    PodWorker worker = workers.get(pod.getMetadata().getUid());
    Ctr ctr = worker == null ? null : worker.container(chosen);
    if (ctr == null || ctr.log == null) {
      String waiting =
          ctr == null || ctr.waitingReason == null ? "ContainerCreating" : ctr.waitingReason;
      return new LogLookup(
          null,
          Reply.status(
              400,
              "container \""
                  + chosen
                  + "\" in pod \""
                  + name
                  + "\" is waiting to start: "
                  + waiting));
    }
    return new LogLookup(ctr.log, null);
  }

  /** The log of the latest pod with this name (also after deletion). */
  Optional<ContainerLog> latestLog(String namespace, String name, String container) {
    for (int i = history.size() - 1; i >= 0; i--) {
      PodWorker worker = history.get(i);
      if (worker.namespace.equals(namespace) && worker.name.equals(name)) {
        Ctr ctr =
            container != null
                ? worker.container(container)
                : worker.containers.isEmpty() ? null : worker.containers.get(0);
        return Optional.ofNullable(ctr == null ? null : ctr.log);
      }
    }
    return Optional.empty();
  }

  List<PodRecord> history() {
    return history.stream().map(PodWorker::record).toList();
  }

  List<ContainerRun> runs() {
    List<ContainerRun> runs = new ArrayList<>();
    for (PodWorker worker : history) {
      for (Ctr ctr : worker.containers) {
        if (ctr.startedAt != null) {
          runs.add(worker.run(ctr));
        }
      }
    }
    runs.sort(Comparator.comparing(ContainerRun::startedAt));
    return runs;
  }

  @Override
  public void close() {
    closed = true;
    for (PodWorker worker : history) {
      worker.gone = true;
      worker.killAll(true);
      worker.signal();
    }
    threads.shutdownNow();
    for (PodWorker worker : history) {
      for (Ctr ctr : worker.containers) {
        RunningContainer c = ctr.container;
        if (c != null) {
          c.remove(); // the pod's thread may be gone before it could
        }
      }
    }
  }

  // ---- one container --------------------------------------------------------------------------

  /** Mutable state of one container, written by its pod worker and process callbacks. */
  /**
   * Environment variable naming the file a host process (a registered image, not a container)
   * writes its termination message to, in place of its {@code terminationMessagePath}.
   */
  public static final String HOST_TERMINATION_LOG_ENV = "SKIFF_TERMINATION_LOG";

  /** {@code image} pinned to a digest no registry holds (the same length, all zeros). */
  static String withWrongDigest(String image) {
    int at = image.indexOf("@sha256:");
    String repository = at < 0 ? image.replaceFirst(":[^:/]+$", "") : image.substring(0, at);
    return repository + "@sha256:" + "0".repeat(64);
  }

  private static final class Ctr {
    final Container spec;
    final String name;
    final String image;
    volatile ImageRegistry.Image resolved;

    /**
     * The pulled image when the container runs as a real container (podman); null for host JVMs.
     */
    volatile ImageConfig containerImage;

    volatile RunningContainer container;
    volatile dev.skiff.testing.containers.ContainerSpec runSpec;
    volatile String pullError;

    /** The termination message file of a host process (no container to bind one into). */
    volatile Path hostTerminationLog;

    /** What the node pulls: the image, unless a fault changed its digest. */
    volatile String pullReference;

    volatile Instant nextPull = Instant.MIN;
    volatile int pulls;
    volatile String waitingReason = "ContainerCreating";
    volatile String waitingMessage;
    volatile ContainerLog log;
    volatile Process process;
    volatile Thread pump;
    volatile List<String> command = List.of();
    volatile Map<String, String> env = Map.of();
    volatile Path workingDir;
    volatile String containerId;
    volatile Instant startedAt;
    volatile Instant finishedAt;
    volatile Integer exitCode;
    volatile String terminatedReason;
    volatile String terminatedMessage;
    volatile String reasonOverride;
    volatile Integer exitCodeOverride;

    Ctr(Container spec) {
      this.spec = spec;
      this.name = spec.getName();
      this.image = spec.getImage();
      this.pullReference = image;
    }

    boolean finished() {
      return exitCode != null;
    }

    synchronized void finish(int code, String reason, String message) {
      if (exitCode != null) {
        return;
      }
      finishedAt = Instant.now();
      int effective = exitCodeOverride != null ? exitCodeOverride : code;
      terminatedReason =
          reasonOverride != null
              ? reasonOverride
              : reason != null ? reason : effective == 0 ? "Completed" : "Error";
      terminatedMessage = message;
      exitCode = effective;
      if (log != null) {
        log.end();
      }
    }
  }

  // ---- one pod --------------------------------------------------------------------------------

  private final class PodWorker implements Runnable {
    final String namespace;
    final String name;
    final String uid;
    final Pod pod;
    final Map<String, String> labels;
    final Instant createdAt = Instant.now();
    final List<Ctr> containers;
    final Path sandbox;
    final Object lock = new Object();
    volatile PodCgroup cgroup;
    volatile PodContainers podContainers;
    boolean signaled;
    volatile boolean gone;
    volatile boolean terminating;

    volatile String phase = "Pending";
    volatile String reason;
    volatile String message;
    volatile String recordReason;
    volatile Instant scheduledAt;
    volatile Instant runningAt;
    volatile Instant finishedAt;
    volatile String unschedulableMessage;
    volatile boolean nodeLost;
    volatile String disruptionReason;
    volatile String disruptionMessage;
    final Map<String, String> conditionStatus = new HashMap<>();
    final Map<String, String> conditionTimes = new HashMap<>();
    PodStatus lastWritten;

    PodWorker(Pod pod) {
      this.pod = pod;
      this.namespace = pod.getMetadata().getNamespace();
      this.name = pod.getMetadata().getName();
      this.uid = pod.getMetadata().getUid();
      this.labels =
          pod.getMetadata().getLabels() == null
              ? Map.of()
              : Map.copyOf(pod.getMetadata().getLabels());
      this.containers = pod.getSpec().getContainers().stream().map(Ctr::new).toList();
      this.sandbox =
          settings
              .root()
              .resolve("pods")
              .resolve(namespace + "_" + name + "_" + uid.substring(0, Math.min(8, uid.length())));
    }

    Ctr container(String container) {
      return containers.stream().filter(c -> c.name.equals(container)).findFirst().orElse(null);
    }

    @Override
    public void run() {
      try {
        lifecycle();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        killAll(true);
      } catch (RuntimeException e) {
        if (!closed) {
          LOG.log(Level.WARNING, "fake kubelet failed on pod " + namespace + "/" + name, e);
        }
        killAll(true);
      } finally {
        if (finishedAt == null) {
          finishedAt = Instant.now();
        }
        for (Ctr ctr : containers) {
          if (ctr.log != null && ctr.finished()) {
            ctr.log.end();
          }
          RunningContainer c = ctr.container;
          if (c != null) {
            try {
              c.remove();
            } catch (RuntimeException e) {
              LOG.log(Level.WARNING, "cannot remove container " + c.name(), e);
            }
          }
        }
        PodCgroup g = cgroup;
        if (g != null) {
          removeCgroup(g);
        }
      }
    }

    private void lifecycle() throws InterruptedException {
      PodFault fault = takeFault();
      if (fault != null && fault.kind() == FailureKind.SLOW_SCHEDULING) {
        unschedulableMessage = PodFault.DEFAULT_UNSCHEDULABLE_MESSAGE;
        recordReason = "Unschedulable";
        writeStatus();
        events.record(
            pod, null, WARNING, "FailedScheduling", unschedulableMessage, "default-scheduler");
        fault.markApplied();
        Instant until = fault.delay() == null ? null : Instant.now().plus(fault.delay());
        while (!stopped()
            && !fault.releasedEarly()
            && (until == null || Instant.now().isBefore(until))) {
          fault.awaitRelease(Duration.ofMillis(50));
        }
        if (stopped()) {
          terminate();
          return;
        }
        unschedulableMessage = null;
        recordReason = null;
      }
      scheduledAt = Instant.now();
      events.record(
          pod,
          null,
          NORMAL,
          "Scheduled",
          "Successfully assigned " + namespace + "/" + name + " to " + NODE_NAME,
          "default-scheduler");
      writeStatus();
      if (fault != null && fault.kind() == FailureKind.WRONG_IMAGE_DIGEST) {
        for (Ctr ctr : containers) {
          ctr.pullReference = withWrongDigest(ctr.image);
        }
        fault.markApplied();
      }
      if (!pullImages() || !configure()) {
        terminate();
        return;
      }
      startContainers();
      if (!stopped()) {
        runningAt = Instant.now();
        phase = "Running";
        writeStatus();
      }
      supervise(fault);
    }

    private PodFault takeFault() {
      for (PodFault fault : faults) {
        if (fault.tryTake(pod)) {
          faults.remove(fault);
          return fault;
        }
      }
      return null;
    }

    private boolean stopped() {
      return gone || terminating || closed;
    }

    // -- images and configuration

    private boolean pullImages() throws InterruptedException {
      boolean reported = false;
      while (!stopped()) {
        List<Ctr> missing = new ArrayList<>();
        for (Ctr ctr : containers) {
          if (ctr.resolved == null && ctr.pullReference.equals(ctr.image)) {
            ctr.resolved = images.resolve(ctr.image).orElse(null);
          }
          if (ctr.resolved == null && settings.podman() != null) {
            pullContainerImage(ctr);
          }
          if (ctr.resolved == null) {
            missing.add(ctr);
          }
        }
        if (missing.isEmpty()) {
          for (Ctr ctr : containers) {
            ctr.waitingReason = "ContainerCreating";
            ctr.waitingMessage = null;
            events.record(
                pod,
                fieldPath(ctr),
                NORMAL,
                "Pulled",
                "Container image \"" + ctr.image + "\" already present on machine",
                "kubelet");
          }
          recordReason = null;
          return true;
        }
        if (!reported) {
          reported = true;
          for (Ctr ctr : missing) {
            ctr.waitingReason = "ErrImagePull";
            ctr.waitingMessage =
                ctr.pullError != null
                    ? "failed to pull and unpack image \"" + ctr.image + "\": " + ctr.pullError
                    : "failed to pull and unpack image \""
                        + ctr.image
                        + "\": not found"
                        + " (no image matching it in the FakeCluster ImageRegistry)";
            events.record(
                pod,
                fieldPath(ctr),
                NORMAL,
                "Pulling",
                "Pulling image \"" + ctr.image + "\"",
                "kubelet");
            events.record(
                pod,
                fieldPath(ctr),
                WARNING,
                "Failed",
                "Failed to pull image \""
                    + ctr.image
                    + "\": rpc error: code = NotFound desc = "
                    + ctr.waitingMessage,
                "kubelet");
            events.record(pod, fieldPath(ctr), WARNING, "Failed", "Error: ErrImagePull", "kubelet");
          }
          recordReason = "ErrImagePull";
          writeStatus();
          pause(Duration.ofMillis(300));
          if (stopped()) {
            return false;
          }
          for (Ctr ctr : missing) {
            ctr.waitingReason = "ImagePullBackOff";
            ctr.waitingMessage = "Back-off pulling image \"" + ctr.image + "\"";
            events.record(pod, fieldPath(ctr), NORMAL, "BackOff", ctr.waitingMessage, "kubelet");
            events.record(
                pod, fieldPath(ctr), WARNING, "Failed", "Error: ImagePullBackOff", "kubelet");
          }
          recordReason = "ImagePullBackOff";
          writeStatus();
        }
        pause(Duration.ofMillis(200));
      }
      return false;
    }

    /**
     * Pulls a container's image with podman, backing off between tries like a kubelet (1 s,
     * doubling, at most 10 s); on success the container runs as a real container.
     */
    private void pullContainerImage(Ctr ctr) {
      if (Instant.now().isBefore(ctr.nextPull)) {
        return;
      }
      try {
        String id = settings.podman().pull(ctr.pullReference);
        ImageConfig config = settings.podman().imageConfig(id);
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : config.env()) {
          int eq = e.indexOf('=');
          if (eq > 0) {
            env.put(e.substring(0, eq), e.substring(eq + 1));
          }
        }
        ctr.containerImage = config;
        ctr.resolved = new ImageRegistry.Image(config.entrypoint(), config.cmd(), env, null, false);
        ctr.pullError = null;
      } catch (ImagePullException e) {
        ctr.pullError = e.getMessage();
        ctr.pulls++;
        ctr.nextPull =
            Instant.now().plusMillis(Math.min(10_000L, 1000L << Math.min(4, ctr.pulls - 1)));
      }
    }

    private boolean configure() throws InterruptedException {
      String lastError = null;
      while (!stopped()) {
        try {
          Map<String, String> base = baseEnvironment();
          for (Ctr ctr : containers) {
            Map<String, String> ownBase =
                ctr.containerImage == null ? base : containerBaseEnvironment(base);
            ctr.env = Map.copyOf(containerEnv.resolve(pod, ctr.spec, ctr.resolved, ownBase));
            ctr.command = List.copyOf(ContainerEnv.commandLine(ctr.spec, ctr.resolved, ctr.env));
            ctr.workingDir = ctr.containerImage == null ? workingDir(ctr) : null;
          }
          if (containers.stream().anyMatch(c -> c.containerImage != null)) {
            prepareContainers();
          }
          recordReason = null;
          return true;
        } catch (ContainerEnv.ConfigError e) {
          if (!e.getMessage().equals(lastError)) {
            lastError = e.getMessage();
            for (Ctr ctr : containers) {
              ctr.waitingReason = "CreateContainerConfigError";
              ctr.waitingMessage = e.getMessage();
            }
            recordReason = "CreateContainerConfigError";
            writeStatus();
            events.record(
                pod,
                fieldPath(containers.get(0)),
                WARNING,
                "Failed",
                "Error: " + e.getMessage(),
                "kubelet");
          }
          pause(Duration.ofMillis(250));
        }
      }
      return false;
    }

    /**
     * What a runtime gives a container, not the host's: the service variables and the hostname
     * (PATH and the rest come from the image; the token is read from its standard path).
     */
    private Map<String, String> containerBaseEnvironment(Map<String, String> hostBase) {
      Map<String, String> env = new LinkedHashMap<>();
      hostBase.forEach(
          (k, v) -> {
            if (k.startsWith("KUBERNETES_SERVICE")
                || k.startsWith("KUBERNETES_PORT")
                || k.equals("HOSTNAME")) {
              env.put(k, v);
            }
          });
      return env;
    }

    /**
     * Volumes, security checks and run specs of the pod's real containers; a bad one is a config
     * error.
     */
    private void prepareContainers() throws ContainerEnv.ConfigError {
      try {
        if (podContainers == null) {
          podContainers = new PodContainers(client, pod, sandbox, settings.allowedHostPaths());
        }
        if (cgroup == null) {
          // uids of the mock API server repeat from one cluster to the next: the name must not
          cgroup =
              podContainers.cgroup(
                  "skiff-pod-"
                      + uid.substring(Math.max(0, uid.length() - 12))
                      + "-"
                      + randomHex(4));
        }
        for (Ctr ctr : containers) {
          if (ctr.containerImage != null) {
            ctr.runSpec =
                podContainers.spec(
                    ctr.spec,
                    ctr.containerImage,
                    ctr.command,
                    ctr.env,
                    sandbox.resolve("serviceaccount"),
                    cgroup,
                    "k8s_"
                        + ctr.name
                        + "_"
                        + name
                        + "_"
                        + namespace
                        + "_"
                        + uid.substring(0, Math.min(8, uid.length())));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private Map<String, String> baseEnvironment() {
      try {
        Files.createDirectories(sandbox);
        Map<String, String> env = new LinkedHashMap<>();
        String path = System.getenv("PATH");
        env.put(
            "PATH",
            path == null ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" : path);
        String hostname = pod.getSpec().getHostname();
        env.put("HOSTNAME", hostname == null || hostname.isEmpty() ? name : hostname);
        env.put("LANG", "C.UTF-8");
        Path home = Files.createDirectories(sandbox.resolve("home"));
        env.put("HOME", home.toString());
        String host = settings.apiHost();
        String port = Integer.toString(settings.apiPort());
        env.put("KUBERNETES_SERVICE_HOST", host);
        env.put("KUBERNETES_SERVICE_PORT", port);
        env.put("KUBERNETES_SERVICE_PORT_HTTPS", port);
        env.put("KUBERNETES_PORT", "tcp://" + host + ":" + port);
        env.put("KUBERNETES_PORT_443_TCP", "tcp://" + host + ":" + port);
        env.put("KUBERNETES_PORT_443_TCP_PROTO", "tcp");
        env.put("KUBERNETES_PORT_443_TCP_PORT", port);
        env.put("KUBERNETES_PORT_443_TCP_ADDR", host);
        // fabric8 reads the service account from /var/run/secrets/kubernetes.io/serviceaccount
        // unless told otherwise; these point it (and nothing else) at the pod's own folder.
        Path account = sandbox.resolve("serviceaccount");
        if (!Boolean.FALSE.equals(pod.getSpec().getAutomountServiceAccountToken())) {
          writeServiceAccount(account);
        }
        env.put("KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN", account.resolve("token").toString());
        env.put("KUBERNETES_CERTS_CA_FILE", account.resolve("ca.crt").toString());
        env.put("KUBENAMESPACE", account.resolve("namespace").toString());
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBECONFIG", sandbox.resolve("no-kubeconfig").toString());
        return env;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private void writeServiceAccount(Path account) throws IOException {
      if (Files.exists(account.resolve("token"))) {
        return;
      }
      Files.createDirectories(account);
      String serviceAccount = pod.getSpec().getServiceAccountName();
      if (serviceAccount == null || serviceAccount.isEmpty()) {
        serviceAccount =
            pod.getSpec().getServiceAccount() == null
                ? "default"
                : pod.getSpec().getServiceAccount();
      }
      byte[] random = new byte[24];
      ThreadLocalRandom.current().nextBytes(random);
      String token = "fake-sa-token." + HexFormat.of().formatHex(random);
      settings
          .tokenRegistry()
          .accept(token, "system:serviceaccount:" + namespace + ":" + serviceAccount);
      Files.writeString(account.resolve("token"), token);
      Files.writeString(account.resolve("namespace"), namespace);
      Files.writeString(account.resolve("ca.crt"), settings.caCertificatePem());
    }

    private Path workingDir(Ctr ctr) {
      try {
        String requested = ctr.spec.getWorkingDir();
        if (requested != null && !requested.isBlank()) {
          Path path = Path.of(requested);
          if (Files.isDirectory(path)) {
            return path;
          }
          // Not on this machine: create it inside the pod sandbox, like the image's rootfs.
          return Files.createDirectories(
              sandbox.resolve("rootfs").resolve(requested.replaceFirst("^/+", "")));
        }
        if (ctr.resolved.workingDir() != null) {
          return Files.createDirectories(ctr.resolved.workingDir());
        }
        return Files.createDirectories(sandbox.resolve("work"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    // -- processes

    private void startContainers() {
      for (Ctr ctr : containers) {
        if (stopped()) {
          return;
        }
        ctr.log = new ContainerLog();
        ctr.containerId = "containerd://" + randomHex(32);
        ctr.waitingReason = null;
        ctr.waitingMessage = null;
        if (ctr.resolved.noOp()) {
          ctr.startedAt = Instant.now();
          ctr.finish(0, null, null);
          continue;
        }
        if (ctr.command.isEmpty()) {
          ctr.startedAt = Instant.now();
          ctr.finish(
              128,
              "StartError",
              "failed to start container \"" + ctr.name + "\": no command specified");
          continue;
        }
        if (ctr.runSpec != null) {
          startContainer(ctr);
          continue;
        }
        ProcessBuilder builder =
            new ProcessBuilder(ctr.command)
                .directory(ctr.workingDir.toFile())
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(ctr.env);
        try {
          // A host process cannot get a file bind-mounted at its terminationMessagePath: it is
          // told where its termination message goes instead.
          ctr.hostTerminationLog = Files.createTempFile("skiff-termination-", ".log");
          builder.environment().put(HOST_TERMINATION_LOG_ENV, ctr.hostTerminationLog.toString());
          Process process = builder.start();
          ctr.startedAt = Instant.now();
          ctr.process = process;
          Thread pump =
              new Thread(
                  () -> pump(ctr, process),
                  "pod-output " + namespace + "/" + name + "/" + ctr.name);
          pump.setDaemon(true);
          ctr.pump = pump;
          pump.start();
          process.onExit().thenRunAsync(() -> exited(ctr, process), threads);
        } catch (IOException | RuntimeException e) {
          ctr.startedAt = Instant.now();
          ctr.finish(
              128,
              "StartError",
              "failed to create containerd task: exec: \""
                  + ctr.command.get(0)
                  + "\": "
                  + e.getMessage());
        }
        events.record(
            pod, fieldPath(ctr), NORMAL, "Created", "Created container " + ctr.name, "kubelet");
        events.record(
            pod, fieldPath(ctr), NORMAL, "Started", "Started container " + ctr.name, "kubelet");
      }
    }

    /** Runs one container with podman; its lines become the container's log. */
    private void startContainer(Ctr ctr) {
      StringBuilder echoLine = new StringBuilder();
      RunningContainer running =
          settings
              .podman()
              .start(
                  ctr.runSpec,
                  line -> {
                    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
                    ctr.log.append(bytes, 0, bytes.length);
                    if (settings.echo() != null) {
                      echo(ctr, echoLine, line + "\n");
                    }
                  });
      ctr.container = running;
      ctr.startedAt = Instant.now();
      events.record(
          pod, fieldPath(ctr), NORMAL, "Created", "Created container " + ctr.name, "kubelet");
      events.record(
          pod, fieldPath(ctr), NORMAL, "Started", "Started container " + ctr.name, "kubelet");
      threads.execute(
          () -> {
            try {
              ContainerExit exit = running.waitFor();
              String message =
                  exit.reason() == ContainerExit.Reason.START_ERROR
                      ? exit.message()
                      : PodContainers.terminationMessage(podContainers.terminationLog(ctr.spec));
              ctr.finish(exit.exitCode(), exit.kubernetesReason(), message);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
              ctr.finish(128, "StartError", String.valueOf(e.getMessage()));
            }
            signal();
          });
    }

    private void pump(Ctr ctr, Process process) {
      byte[] buffer = new byte[8192];
      StringBuilder line = new StringBuilder();
      try (InputStream in = process.getInputStream()) {
        int read;
        while ((read = in.read(buffer)) >= 0) {
          ctr.log.append(buffer, 0, read);
          if (settings.echo() != null) {
            echo(ctr, line, new String(buffer, 0, read, StandardCharsets.UTF_8));
          }
        }
      } catch (IOException e) {
        // stream closed: the process is gone
      }
      if (settings.echo() != null && line.length() > 0) {
        settings.echo().println("[" + namespace + "/" + name + "/" + ctr.name + "] " + line);
      }
    }

    private void echo(Ctr ctr, StringBuilder line, String text) {
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '\n') {
          settings.echo().println("[" + namespace + "/" + name + "/" + ctr.name + "] " + line);
          line.setLength(0);
        } else {
          line.append(c);
        }
      }
    }

    private void exited(Ctr ctr, Process process) {
      try {
        Thread pump = ctr.pump;
        if (pump != null) {
          pump.join(2000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      String message = null;
      Path log = ctr.hostTerminationLog;
      if (log != null) {
        message = PodContainers.terminationMessage(log);
        try {
          Files.deleteIfExists(log);
        } catch (IOException e) {
          LOG.log(Level.FINE, "cannot delete " + log, e);
        }
      }
      ctr.finish(process.exitValue(), null, message);
      signal();
    }

    void killAll(boolean force) {
      for (Ctr ctr : containers) {
        kill(ctr, force);
      }
    }

    private void kill(Ctr ctr, boolean force) {
      RunningContainer running = ctr.container;
      if (running != null) {
        if (running.isRunning()) {
          if (force) {
            running.kill();
          } else {
            Duration grace = grace();
            threads.execute(
                () -> running.stop(grace)); // SIGTERM now, SIGKILL after the grace period
          }
        }
        return;
      }
      Process process = ctr.process;
      if (process == null || !process.isAlive()) {
        return;
      }
      List<ProcessHandle> descendants = process.descendants().toList();
      if (force) {
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      } else {
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
      }
    }

    // -- supervision

    private void supervise(PodFault fault) throws InterruptedException {
      Instant faultAt = null;
      if (fault != null && fault.kind() != FailureKind.SLOW_SCHEDULING) {
        faultAt = Instant.now().plus(fault.delay() == null ? Duration.ZERO : fault.delay());
      }
      Long activeDeadline = pod.getSpec().getActiveDeadlineSeconds();
      Instant deadline = activeDeadline == null ? null : scheduledAt.plusSeconds(activeDeadline);
      while (!allFinished()) {
        if (stopped()) {
          terminate();
          return;
        }
        Instant now = Instant.now();
        if (faultAt != null && !now.isBefore(faultAt)) {
          faultAt = null;
          if (apply(fault)) {
            return;
          }
          continue;
        }
        if (deadline != null && !now.isBefore(deadline)) {
          deadline = null;
          phase = "Failed";
          reason = "DeadlineExceeded";
          message = "Pod was active on the node longer than the specified deadline";
          recordReason = reason;
          events.record(pod, null, NORMAL, "DeadlineExceeded", message, "kubelet");
          for (Ctr ctr : containers) {
            ctr.exitCodeOverride = 137;
            ctr.reasonOverride = "Error";
          }
          killAll(true);
          awaitFinished(Duration.ofSeconds(10));
          break;
        }
        long wait = 500;
        if (faultAt != null) {
          wait = Math.min(wait, Duration.between(now, faultAt).toMillis());
        }
        if (deadline != null) {
          wait = Math.min(wait, Duration.between(now, deadline).toMillis());
        }
        waitSignal(Math.max(1, wait));
      }
      if (gone) {
        return;
      }
      if (!"Failed".equals(phase)) {
        boolean success = containers.stream().allMatch(c -> Objects.equals(c.exitCode, 0));
        phase = success ? "Succeeded" : "Failed";
      }
      finishedAt = Instant.now();
      writeStatus();
    }

    /** Applies a fault; true if the pod is done with (deleted by it). */
    private boolean apply(PodFault fault) throws InterruptedException {
      switch (fault.kind()) {
        case OOM_KILLED -> {
          Ctr victim =
              containers.stream().filter(c -> !c.finished()).findFirst().orElse(containers.get(0));
          victim.reasonOverride = "OOMKilled";
          victim.exitCodeOverride = 137;
          kill(victim, true);
          fault.markApplied();
          return false;
        }
        case EVICTED -> {
          Ctr victim = containers.get(0);
          phase = "Failed";
          reason = "Evicted";
          message =
              "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki."
                  + " Container "
                  + victim.name
                  + " was using 2Gi, request is 0, has larger consumption of memory.";
          recordReason = reason;
          disruptionReason = "TerminationByKubelet";
          disruptionMessage = message;
          events.record(pod, null, WARNING, "Evicted", message, "kubelet");
          for (Ctr ctr : containers) {
            ctr.exitCodeOverride = 137;
            ctr.reasonOverride = "Error";
            if (!ctr.finished()) {
              events.record(
                  pod,
                  fieldPath(ctr),
                  NORMAL,
                  "Killing",
                  "Stopping container " + ctr.name,
                  "kubelet");
            }
          }
          killAll(true);
          awaitFinished(Duration.ofSeconds(10));
          fault.markApplied();
          return false;
        }
        case NODE_LOST -> {
          nodeLost = true;
          recordReason = "NodeLost";
          disruptionReason = "DeletionByTaintManager";
          disruptionMessage = "Taint manager: deleting due to NoExecute taint";
          killAll(true);
          writeStatus();
          events.record(pod, null, WARNING, "NodeNotReady", "Node is not ready", "node-controller");
          pause(Duration.ofMillis(100));
          try {
            client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
          } catch (KubernetesClientException e) {
            // already gone
          }
          finishedAt = Instant.now();
          fault.markApplied();
          return true;
        }
        default -> {
          return false;
        }
      }
    }

    /** The pod is being deleted (or the cluster closes): stop its containers. */
    private void terminate() throws InterruptedException {
      boolean started =
          containers.stream()
              .anyMatch(
                  c ->
                      c.process != null && c.process.isAlive()
                          || c.container != null && c.container.isRunning());
      if (started && !closed) {
        for (Ctr ctr : containers) {
          if (!ctr.finished()) {
            events.record(
                pod,
                fieldPath(ctr),
                NORMAL,
                "Killing",
                "Stopping container " + ctr.name,
                "kubelet");
          }
        }
      }
      killAll(closed);
      if (!awaitFinished(grace())) {
        killAll(true);
        awaitFinished(Duration.ofSeconds(5));
      }
      finishedAt = Instant.now();
      if (!gone && !closed && containers.stream().anyMatch(c -> c.startedAt != null)) {
        boolean success = containers.stream().allMatch(c -> Objects.equals(c.exitCode, 0));
        phase = success ? "Succeeded" : "Failed";
        writeStatus();
      }
    }

    /** The pod's termination grace period, at most {@link #MAX_GRACE}. */
    private Duration grace() {
      Long graceSeconds = pod.getSpec().getTerminationGracePeriodSeconds();
      Duration grace = graceSeconds == null ? MAX_GRACE : Duration.ofSeconds(graceSeconds);
      return grace.compareTo(MAX_GRACE) > 0 ? MAX_GRACE : grace;
    }

    private boolean allFinished() {
      return containers.stream().allMatch(c -> c.finished() || c.startedAt == null);
    }

    private boolean awaitFinished(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!containers.stream()
          .allMatch(c -> c.finished() || c.process == null && c.container == null)) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return false;
        }
        waitSignal(Math.min(left, 100));
      }
      return true;
    }

    void signal() {
      synchronized (lock) {
        signaled = true;
        lock.notifyAll();
      }
    }

    private void waitSignal(long millis) throws InterruptedException {
      synchronized (lock) {
        if (!signaled) {
          lock.wait(millis);
        }
        signaled = false;
      }
    }

    private void pause(Duration duration) throws InterruptedException {
      long deadline = System.nanoTime() + duration.toNanos();
      while (!stopped()) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return;
        }
        waitSignal(left);
      }
    }

    // -- status

    private void writeStatus() {
      if (gone || closed) {
        return;
      }
      PodStatus status = render();
      if (status.equals(lastWritten)) {
        return;
      }
      for (int attempt = 0; attempt < 50; attempt++) {
        Pod current;
        try {
          // First try with the informer's copy (its resourceVersion may be stale: a conflict then
          // makes us read the pod from the API server).
          current = attempt == 0 ? podCache.apply(namespace + "/" + name) : null;
          if (current == null) {
            current = client.pods().inNamespace(namespace).withName(name).get();
          } else {
            current = new io.fabric8.kubernetes.api.model.PodBuilder(current).build();
          }
        } catch (KubernetesClientException e) {
          if (closed) {
            return;
          }
          throw e;
        }
        if (current == null || !uid.equals(current.getMetadata().getUid())) {
          gone = true;
          return;
        }
        current.setStatus(status);
        try {
          client.pods().inNamespace(namespace).resource(current).updateStatus();
          lastWritten = status;
          return;
        } catch (KubernetesClientException e) {
          if (e.getCode() == 404) {
            gone = true;
            return;
          }
          if (e.getCode() != 409 || closed) {
            throw e;
          }
        }
      }
      throw new IllegalStateException(
          "could not write the status of pod " + namespace + "/" + name);
    }

    private PodStatus render() {
      PodStatus status = new PodStatus();
      status.setPhase(phase);
      status.setReason(reason);
      status.setMessage(message);
      status.setQosClass(qosClass());
      boolean scheduled = scheduledAt != null;
      if (scheduled) {
        status.setStartTime(Kube.time(scheduledAt));
        status.setHostIP(POD_IP);
        status.setHostIPs(List.of(new HostIP(POD_IP)));
        status.setPodIP(POD_IP);
        status.setPodIPs(List.of(new PodIP(POD_IP)));
      }
      boolean running =
          "Running".equals(phase)
              && containers.stream().allMatch(c -> c.startedAt != null && !c.finished());
      List<PodCondition> conditions = new ArrayList<>();
      if (disruptionReason != null) {
        conditions.add(condition("DisruptionTarget", "True", disruptionReason, disruptionMessage));
      }
      if (scheduled) {
        boolean sandboxUp =
            containers.stream().anyMatch(c -> c.startedAt != null)
                && !nodeLost
                && !"Succeeded".equals(phase)
                && !"Failed".equals(phase);
        conditions.add(
            condition("PodReadyToStartContainers", sandboxUp ? "True" : "False", null, null));
        conditions.add(condition("Initialized", "True", null, null));
        String ready;
        String readyReason = null;
        String readyMessage = null;
        if (nodeLost) {
          ready = "Unknown";
          readyReason = "NodeStatusUnknown";
          readyMessage = "Kubelet stopped posting node status.";
        } else if (running) {
          ready = "True";
        } else {
          ready = "False";
          readyReason =
              "Succeeded".equals(phase) || "Failed".equals(phase)
                  ? "PodCompleted"
                  : "ContainersNotReady";
          if ("ContainersNotReady".equals(readyReason)) {
            readyMessage =
                "containers with unready status: "
                    + containers.stream().map(c -> c.name).toList().toString().replace(",", "");
          }
        }
        conditions.add(condition("Ready", ready, readyReason, readyMessage));
        conditions.add(condition("ContainersReady", ready, readyReason, readyMessage));
        conditions.add(condition("PodScheduled", "True", null, null));
      } else {
        conditions.add(condition("PodScheduled", "False", "Unschedulable", unschedulableMessage));
      }
      status.setConditions(conditions);
      if (scheduled) {
        List<ContainerStatus> statuses = new ArrayList<>();
        for (Ctr ctr : containers) {
          statuses.add(containerStatus(ctr, running));
        }
        status.setContainerStatuses(statuses);
      }
      return status;
    }

    private ContainerStatus containerStatus(Ctr ctr, boolean podRunning) {
      ContainerStatus status = new ContainerStatus();
      status.setName(ctr.name);
      status.setImage(ctr.image);
      status.setImageID(ctr.resolved == null ? "" : imageId(ctr.image));
      status.setRestartCount(0);
      status.setContainerID(ctr.containerId);
      // A lost node reports nothing more: its containers stay as last seen (running).
      boolean live = ctr.startedAt != null && (!ctr.finished() || nodeLost);
      status.setReady(podRunning && live && !nodeLost);
      status.setStarted(live);
      ContainerState state = new ContainerState();
      if (ctr.finished() && !nodeLost) {
        state.setTerminated(
            new ContainerStateTerminatedBuilder()
                .withContainerID(ctr.containerId)
                .withExitCode(ctr.exitCode)
                .withReason(ctr.terminatedReason)
                .withMessage(ctr.terminatedMessage)
                .withStartedAt(Kube.time(ctr.startedAt))
                .withFinishedAt(Kube.time(ctr.finishedAt))
                .build());
      } else if (ctr.startedAt != null) {
        state.setRunning(
            new ContainerStateRunningBuilder().withStartedAt(Kube.time(ctr.startedAt)).build());
      } else {
        state.setWaiting(
            new ContainerStateWaitingBuilder()
                .withReason(ctr.waitingReason == null ? "ContainerCreating" : ctr.waitingReason)
                .withMessage(ctr.waitingMessage)
                .build());
      }
      status.setState(state);
      status.setLastState(new ContainerState());
      return status;
    }

    private PodCondition condition(
        String type, String value, String conditionReason, String conditionMessage) {
      String previous = conditionStatus.put(type, value);
      if (!value.equals(previous)) {
        conditionTimes.put(type, Kube.now());
      }
      return new PodConditionBuilder()
          .withType(type)
          .withStatus(value)
          .withReason(conditionReason)
          .withMessage(conditionMessage)
          .withLastTransitionTime(conditionTimes.get(type))
          .withLastProbeTime(null)
          .build();
    }

    private String qosClass() {
      boolean any = false;
      boolean guaranteed = true;
      for (Ctr ctr : containers) {
        ResourceRequirements resources = ctr.spec.getResources();
        Map<String, Quantity> limits =
            resources == null || resources.getLimits() == null ? Map.of() : resources.getLimits();
        Map<String, Quantity> requests =
            resources == null || resources.getRequests() == null
                ? Map.of()
                : resources.getRequests();
        any |= !limits.isEmpty() || !requests.isEmpty();
        for (String resource : List.of("cpu", "memory")) {
          Quantity limit = limits.get(resource);
          Quantity request = requests.get(resource);
          if (limit == null
              || (request != null
                  && Quantity.getAmountInBytes(request).compareTo(Quantity.getAmountInBytes(limit))
                      != 0)) {
            guaranteed = false;
          }
        }
      }
      return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    // -- snapshots

    PodRecord record() {
      List<ContainerRun> runs =
          containers.stream().filter(c -> c.startedAt != null).map(this::run).toList();
      return new PodRecord(
          namespace,
          name,
          uid,
          labels,
          createdAt,
          scheduledAt,
          runningAt,
          finishedAt,
          phase,
          reason != null ? reason : recordReason,
          gone,
          runs);
    }

    ContainerRun run(Ctr ctr) {
      return new ContainerRun(
          namespace,
          name,
          uid,
          ctr.name,
          ctr.image,
          ctr.command,
          ctr.env,
          ctr.workingDir,
          ctr.startedAt,
          ctr.finishedAt,
          ctr.exitCode,
          ctr.terminatedReason,
          ctr.containerImage == null ? null : ctr.containerImage.id());
    }
  }

  /**
   * Removes a pod's cgroup once the runtime has let go of it (the last container's exit may still
   * be settling), retrying for a few seconds off the pod's thread; a JVM exit hook removes any
   * left.
   */
  private static void removeCgroup(PodCgroup g) {
    for (int i = 0; i < 50; i++) {
      try {
        g.close();
        return;
      } catch (RuntimeException busy) {
        sleepQuietly(100);
      }
    }
    LOG.warning("cgroup " + g.name() + " is still in use: left for the exit hook");
    CGROUPS_AT_EXIT.add(g);
  }

  private static final List<PodCgroup> CGROUPS_AT_EXIT = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () ->
                    CGROUPS_AT_EXIT.forEach(
                        g -> {
                          try {
                            g.close();
                          } catch (RuntimeException e) {
                            // best effort at exit
                          }
                        }),
                "fake-kubelet-cgroups"));
  }

  private static String fieldPath(Ctr ctr) {
    return "spec.containers{" + ctr.name + "}";
  }

  private static String imageId(String image) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(image.getBytes(StandardCharsets.UTF_8));
      return ImageRegistry.repository(image) + "@sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  static void sleepQuietly(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
