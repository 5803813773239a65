package dev.skiff.testing.kubernetes;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Kubernetes cluster for tests, in this JVM: the fabric8 mock API server (CRUD mode) plus what it
 * lacks — a kubelet that runs pods as local processes with real status, pod logs (also followed), a
 * Job controller (ControllerRef claim/release, podFailurePolicy, TTL after finished), CronJobs
 * fired on demand, garbage collection by owner references (blockOwnerDeletion) — and fault
 * injection. Start one per test class (it starts in about a second; pods are processes, so reuse it
 * and give each test its own pod names).
 *
 * <pre>{@code
 * try (FakeCluster cluster = FakeCluster.start()) {
 *   cluster.images().registerJavaMain("registry.local/skiff:digits", StepMain.class);
 *   KubernetesClient client = cluster.client();            // namespace "skiff"
 *   client.pods().resource(pod).create();
 *   cluster.awaitPod("skiff", "p1", "Succeeded", Duration.ofSeconds(30));
 *   assertThat(cluster.processOutput("skiff", "p1")).contains("done");
 * }
 * }</pre>
 *
 * <h2>API address</h2>
 *
 * {@link #masterUrl()} is an HTTPS server in front of the mock (a fabric8 {@code Dispatcher} cannot
 * stream a followed log, see {@link ApiFront}): it records every request ({@link #apiRequests()}),
 * answers injected faults, serves {@code GET .../pods/NAME/log} ({@code follow}, {@code container},
 * {@code tailLines}; 404 for an unknown pod, 400 while the container waits to start), proxies
 * watches (WebSockets) so {@link #dropWatches()} can cut them, and adds API server rules the mock
 * lacks: status subresource for pods/jobs/cronjobs, {@code generateName}, service account
 * admission, deletion propagation (Background, Foreground, Orphan — also the default for Jobs
 * deleted without a policy), validation of Jobs' {@code podFailurePolicy} and CronJobs' schedule
 * and time zone, the eviction subresource, optionally OwnerReferencesPermissionEnforcement, and 410
 * Gone for watches from compacted resource versions ({@link #expireResourceVersions()}). The fake
 * cluster's own controllers talk to the mock directly: their traffic is not counted, faulted or
 * dropped.
 *
 * <h2>How a pod reaches the API server</h2>
 *
 * Like a real pod: fabric8's in-cluster configuration ({@code new
 * KubernetesClientBuilder().build()} with no kubeconfig) reads {@code
 * KUBERNETES_SERVICE_HOST}/{@code KUBERNETES_SERVICE_PORT} and always builds an {@code https://}
 * URL from them, so the front speaks HTTPS with a self-signed certificate (SANs {@code 127.0.0.1},
 * {@code localhost}, {@code kubernetes.default.svc}) and each pod gets a service account folder
 * ({@code token}, {@code namespace}, {@code ca.crt}) in its sandbox. The container environment (the
 * test JVM's environment is not inherited) holds:
 *
 * <ul>
 *   <li>{@code KUBERNETES_SERVICE_HOST=127.0.0.1}, {@code KUBERNETES_SERVICE_PORT=<port>} (and the
 *       other {@code KUBERNETES_PORT*} service link variables);
 *   <li>{@code KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN=<sa>/token} (fabric8 property {@code
 *       kubernetes.auth.serviceAccount.token}), {@code KUBERNETES_CERTS_CA_FILE=<sa>/ca.crt}
 *       ({@code kubernetes.certs.ca.file}), {@code KUBENAMESPACE=<sa>/namespace} ({@code
 *       kubenamespace}): fabric8's only ways to move the folder off {@code
 *       /var/run/secrets/kubernetes.io/serviceaccount};
 *   <li>{@code KUBERNETES_AUTH_TRYKUBECONFIG=false} and {@code KUBECONFIG=<missing file>}, so a
 *       {@code ~/.kube/config} on the machine cannot win over the in-cluster configuration;
 *   <li>{@code HOSTNAME=<pod name>}, {@code HOME=<sandbox>/home}, {@code LANG=C.UTF-8}, the test
 *       JVM's {@code PATH}, then the image env, {@code envFrom} and {@code env}.
 * </ul>
 *
 * With {@code automountServiceAccountToken: false} the folder is not written (the variables point
 * to missing files). Each token maps to {@code system:serviceaccount:NS:NAME} in {@link
 * ApiRequest#user()}.
 *
 * <h2>Limits</h2>
 *
 * One node; every pod is treated as {@code restartPolicy: Never} (no container restarts; a Job
 * retries with new pods); no init containers, volumes, probes, exec/attach/port-forward; the {@code
 * timestamps}, {@code sinceSeconds}, {@code limitBytes} log options are ignored; deletion is
 * immediate (no graceful Terminating phase unless finalizers hold the object; the process gets
 * SIGTERM, then SIGKILL after {@code terminationGracePeriodSeconds}, at most 30 s); no pod
 * finalizers for Job tracking (a Job counts a pod that vanished while active as failed, judged by
 * its last state); CronJobs fire only on request ({@link #fireCronJob}, {@link #syncCronJob});
 * watches replay every object as ADDED on (re)connect (mock behaviour) and refuse only
 * resourceVersions made too old on request; no API defaulting or schema validation beyond the
 * fields the controllers read.
 */
public final class FakeCluster implements AutoCloseable {
  /** The namespace of {@link #client()} unless configured. */
  public static final String DEFAULT_NAMESPACE = "skiff";

  /** {@link ApiRequest#user()} of requests made with {@link #client()} and {@link #newClient}. */
  public static final String ADMIN_USER = "admin";

  private static final String ADMIN_TOKEN = "fake-admin-token";

  /** Waits poll the informer caches (in memory) this often. */
  private static final long POLL_MILLIS = 5;

  // Strong references: JUL forgets levels set on loggers that get garbage collected.
  private static final List<Logger> QUIET_LOGGERS =
      List.of(
          Logger.getLogger("io.fabric8.mockwebserver"),
          Logger.getLogger("io.fabric8.kubernetes.client.server.mock"));

  private final String namespace;
  private final Path root;
  private final KubernetesMockServer mock;
  private final KubernetesClient internal;
  private final Backend backend;
  private final ImageRegistry images = new ImageRegistry();
  private final List<PodFault> podFaults = new CopyOnWriteArrayList<>();
  private final Map<String, String> tokens = new ConcurrentHashMap<>();
  private final Tls.Material tls;
  private final GarbageCollector gc;
  private final ApiSemantics semantics;
  private final ApiFront front;
  private final FakeKubelet kubelet;
  private final JobController jobs;
  private final EventRecorder events;
  private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
  private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();
  private volatile KubernetesClient client;
  private volatile boolean closed;
  private SharedIndexInformer<Pod> podCache;
  private SharedIndexInformer<Job> jobCache;
  private final Thread killPodsOnExit;

  /** Options for {@link FakeCluster}. */
  public static final class Builder {
    private String namespace = DEFAULT_NAMESPACE;
    private PrintStream echo;
    private boolean requireServiceAccounts = true;
    private boolean enforceOwnerReferencePermissions;
    private dev.skiff.testing.containers.Podman podman;
    private final java.util.Set<java.nio.file.Path> hostPaths = new java.util.LinkedHashSet<>();

    private Builder() {}

    /**
     * Runs pods whose image is not registered in {@link #images()} as real OCI containers with
     * {@code podman}, pulled by digest from their registry the way a node pulls them: the pod's
     * user, security context, volumes, memory limit (a real cgroup) and environment apply, and a
     * container sees no host file that its volumes do not declare. Default: off (pods run as JVMs
     * of the registered images only).
     */
    public Builder containers(dev.skiff.testing.containers.Podman podman) {
      this.podman = Objects.requireNonNull(podman, "podman");
      return this;
    }

    /**
     * Lets pods mount {@code hostPath} volumes at or below {@code path}; any other hostPath is
     * refused.
     */
    public Builder allowHostPath(java.nio.file.Path path) {
      hostPaths.add(path.toAbsolutePath().normalize());
      return this;
    }

    /**
     * Namespace of {@link #client()}; created with its {@code default} service account. Default
     * {@code skiff}.
     */
    public Builder namespace(String namespace) {
      if (namespace == null
          || !namespace.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")
          || namespace.length() > 63) {
        throw new IllegalArgumentException("not a namespace name: " + namespace);
      }
      this.namespace = namespace;
      return this;
    }

    /**
     * Copies every line pods print to {@code out}, prefixed {@code [ns/pod/container]}. Default:
     * off.
     */
    public Builder echoPodOutput(PrintStream out) {
      this.echo = Objects.requireNonNull(out, "out");
      return this;
    }

    /**
     * Whether creating a pod (or a Job's pod) whose {@code serviceAccountName} does not exist fails
     * with 403, as with the ServiceAccount admission plugin. {@code default} is always allowed.
     * Default: true.
     */
    public Builder requireServiceAccounts(boolean require) {
      this.requireServiceAccounts = require;
      return this;
    }

    /**
     * Whether the API server runs the OwnerReferencesPermissionEnforcement admission plugin (as
     * OpenShift and hardened clusters do): a service account that creates or updates an object with
     * changed owner references must be allowed to {@code delete} that object, and one that sets
     * {@code blockOwnerDeletion: true} on a reference must be allowed to {@code update} the owner's
     * {@code finalizers} subresource (e.g. {@code jobs/finalizers}) by its Role or ClusterRole;
     * else 403 Forbidden with the plugin's message. The admin client is not limited. Default: false
     * (as on clusters without the plugin).
     */
    public Builder enforceOwnerReferencePermissions(boolean enforce) {
      this.enforceOwnerReferencePermissions = enforce;
      return this;
    }

    /** Starts the cluster. */
    public FakeCluster start() {
      return new FakeCluster(this);
    }
  }

  /** A builder for options. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts a cluster with default options. */
  public static FakeCluster start() {
    return builder().start();
  }

  private FakeCluster(Builder options) {
    QUIET_LOGGERS.forEach(l -> l.setLevel(Level.WARNING));
    this.namespace = options.namespace;
    this.tls = Tls.serving();
    try {
      this.root = Files.createTempDirectory("skiff-fake-cluster-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    this.mock =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            responses,
            new OffLoopCloseDispatcher(new KubernetesMixedDispatcher(responses)),
            false);
    mock.init(InetAddress.getLoopbackAddress(), 0);
    this.backend = new Backend(mock.getPort());
    this.internal =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(Config.empty())
                    .withMasterUrl(mock.url("/"))
                    .withNamespace(namespace)
                    .withHttp2Disable(true)
                    .withRequestRetryBackoffLimit(3)
                    .build())
            .build();
    this.events = new EventRecorder(internal);
    this.gc = new GarbageCollector(backend);
    this.semantics =
        new ApiSemantics(
            backend, gc, options.requireServiceAccounts, options.enforceOwnerReferencePermissions);
    tokens.put(ADMIN_TOKEN, ADMIN_USER);
    this.front =
        new ApiFront(
            mock.getPort(),
            tls,
            new ApiFront.Hooks() {
              @Override
              public boolean interested(String method, String path) {
                return semantics.interested(method, path);
              }

              @Override
              public ApiFront.Decision decide(
                  String method,
                  String path,
                  String query,
                  String contentType,
                  byte[] body,
                  String user) {
                return semantics.decide(method, path, query, contentType, body, user);
              }

              @Override
              public ApiFront.LogLookup lookupLog(
                  String ns, String pod, String container, boolean previous) {
                return kubelet().lookupLog(ns, pod, container, previous);
              }

              @Override
              public String userFor(String token) {
                return token == null ? "anonymous" : tokens.getOrDefault(token, "anonymous");
              }
            });
    this.kubelet =
        new FakeKubelet(
            internal,
            images,
            events,
            new FakeKubelet.Settings(
                "127.0.0.1",
                front.port(),
                tls.certificatePem(),
                root,
                options.echo,
                tokens::put,
                options.podman,
                java.util.Set.copyOf(options.hostPaths)),
            podFaults);
    this.jobs =
        new JobController(
            internal,
            events,
            key -> {
              String[] parts = key.split("/", 2);
              return internal.serviceAccounts().inNamespace(parts[0]).withName(parts[1]).get()
                  != null;
            },
            (object, policy) ->
                semantics.delete(
                    Backend.objectPath(
                        object.getApiVersion(),
                        object.getKind(),
                        object.getMetadata().getNamespace(),
                        object.getMetadata().getName()),
                    policy));
    // If the test JVM exits without close(), pod processes must not outlive it.
    this.killPodsOnExit = new Thread(kubelet::close, "fake-cluster-shutdown");
    Runtime.getRuntime().addShutdownHook(killPodsOnExit);
    try {
      startControllers();
      for (String ns : List.of("default", "kube-system", namespace)) {
        internal
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .createOr(existing -> existing.update());
        internal
            .serviceAccounts()
            .inNamespace(ns)
            .resource(
                new ServiceAccountBuilder()
                    .withNewMetadata()
                    .withName("default")
                    .endMetadata()
                    .build())
            .createOr(existing -> existing.update());
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private FakeKubelet kubelet() {
    return kubelet;
  }

  private void startControllers() {
    SharedIndexInformer<Pod> pods =
        internal
            .pods()
            .inAnyNamespace()
            .inform(
                handler(
                    pod -> {
                      kubelet.onPod(pod);
                      jobs.onPod(pod);
                      if (pod.getMetadata().getDeletionTimestamp() != null) {
                        gc.poke();
                      }
                    },
                    pod -> {
                      kubelet.onPodDeleted(pod);
                      jobs.onPod(pod);
                      gc.poke();
                    }),
                0);
    informers.add(pods);
    podCache = pods;
    kubelet.usePodCache(pods.getStore()::getByKey);
    jobCache =
        internal
            .batch()
            .v1()
            .jobs()
            .inAnyNamespace()
            .inform(
                handler(
                    job -> {
                      jobs.onJob(job);
                      if (job.getMetadata().getDeletionTimestamp() != null) {
                        gc.poke();
                      }
                    },
                    job -> {
                      jobs.onJobDeleted(job);
                      gc.poke();
                    }),
                0);
    informers.add(jobCache);
    informGc(internal.batch().v1().cronjobs());
    informGc(internal.secrets());
    informGc(internal.configMaps());
    informGc(internal.serviceAccounts());
    informGc(internal.rbac().roles());
    informGc(internal.rbac().roleBindings());
    informers.forEach(gc::watch);
    gc.start();
  }

  private <T extends HasMetadata> void informGc(MixedOperation<T, ?, ?> resources) {
    informers.add(
        resources
            .inAnyNamespace()
            .inform(
                handler(
                    object -> {
                      if (object.getMetadata().getDeletionTimestamp() != null) {
                        gc.poke();
                      }
                    },
                    object -> gc.poke()),
                0));
  }

  private static <T extends HasMetadata> ResourceEventHandler<T> handler(
      Consumer<T> upserted, Consumer<T> deleted) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        upserted.accept(object);
      }

      @Override
      public void onUpdate(T previous, T object) {
        upserted.accept(object);
      }

      @Override
      public void onDelete(T object, boolean deletedFinalStateUnknown) {
        deleted.accept(object);
      }
    };
  }

  // ---- access -------------------------------------------------------------------------------

  /** The namespace of {@link #client()}. */
  public String namespace() {
    return namespace;
  }

  /** {@code https://127.0.0.1:PORT/}: the API address clients and pods use. */
  public String masterUrl() {
    return "https://127.0.0.1:" + front.port() + "/";
  }

  /**
   * The PEM certificate clients must trust for {@link #masterUrl()} (pods get it as {@code
   * ca.crt}).
   */
  public String caCertificatePem() {
    return tls.certificatePem();
  }

  /**
   * A configuration for {@link #masterUrl()} (trusting its certificate, admin token, namespace
   * {@link #namespace()}, no kubeconfig, default retries). Customize it for special clients, e.g.
   * {@code withRequestRetryBackoffLimit(0)} to see injected 5xx errors.
   */
  public Config clientConfig() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(masterUrl())
        .withCaCertData(
            Base64.getEncoder()
                .encodeToString(tls.certificatePem().getBytes(StandardCharsets.UTF_8)))
        .withOauthToken(ADMIN_TOKEN)
        .withNamespace(namespace)
        .withHttp2Disable(true)
        .build();
  }

  /**
   * Writes a kubeconfig file for this cluster with one context named {@code context} (trusting the
   * cluster's certificate, admin token), as a user's kubeconfig would be; returns the file.
   */
  public java.nio.file.Path writeKubeconfig(java.nio.file.Path file, String context)
      throws java.io.IOException {
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: %1$s
          cluster:
            server: %2$s
            certificate-authority-data: %3$s
        users:
        - name: %1$s-admin
          user:
            token: %4$s
        contexts:
        - name: %1$s
          context:
            cluster: %1$s
            user: %1$s-admin
        current-context: %1$s
        """
            .formatted(
                context,
                masterUrl(),
                Base64.getEncoder()
                    .encodeToString(tls.certificatePem().getBytes(StandardCharsets.UTF_8)),
                ADMIN_TOKEN);
    java.nio.file.Files.writeString(file, yaml);
    return file;
  }

  /** A shared client for the test (closed with the cluster). */
  public KubernetesClient client() {
    KubernetesClient current = client;
    if (current == null) {
      synchronized (this) {
        if (client == null) {
          client = newClient(UnaryOperator.identity());
        }
        current = client;
      }
    }
    return current;
  }

  /**
   * A new client from {@link #clientConfig()} changed by {@code customizer} (closed with the
   * cluster).
   */
  public KubernetesClient newClient(UnaryOperator<ConfigBuilder> customizer) {
    KubernetesClient created =
        new KubernetesClientBuilder()
            .withConfig(customizer.apply(new ConfigBuilder(clientConfig())).build())
            .build();
    clients.add(created);
    return created;
  }

  /**
   * A client that authenticates as service account {@code namespace/name} (a token of its own,
   * mapped to {@code system:serviceaccount:NS:NAME} like a pod's projected token), in that
   * namespace, to check what the API server lets a pod of that account do. Closed with the cluster.
   */
  public KubernetesClient serviceAccountClient(String namespace, String name) {
    String token = "fake-sa-token-" + java.util.UUID.randomUUID();
    tokens.put(token, "system:serviceaccount:" + namespace + ":" + name);
    return newClient(b -> b.withOauthToken(token).withNamespace(namespace));
  }

  /** The images pods can run. */
  public ImageRegistry images() {
    return images;
  }

  /**
   * The fabric8 mock server behind the front, for {@code expect()} stubs (they answer before the
   * CRUD store, through the front). Do not point clients at its own URL: they would bypass logs,
   * faults, request counting and API semantics. Stubs for {@code .../pods/NAME/log} never apply:
   * the front serves those paths from the kubelet.
   */
  public KubernetesMockServer mockServer() {
    return mock;
  }

  // ---- controllers ----------------------------------------------------------------------------

  /**
   * Fires a CronJob now, as its schedule would: creates a Job from {@code spec.jobTemplate} (named
   * {@code <cronjob>-<minutes since epoch>}, owned by the CronJob) and records it in the CronJob's
   * status. Empty when the CronJob is suspended, or its {@code concurrencyPolicy} is {@code Forbid}
   * and a Job of it still runs ({@code Replace} deletes the running ones first).
   *
   * @throws IllegalArgumentException if there is no such CronJob
   */
  public Optional<Job> fireCronJob(String namespace, String name) {
    return jobs.fireOnLoop(namespace, name);
  }

  /**
   * Runs the CronJob controller's sync of one CronJob as if the clock read {@code now}: creates the
   * Job of the most recent schedule time (in the CronJob's {@code timeZone}) that has not run yet,
   * named {@code <cronjob>-<minutes since epoch of that time>} with the scheduled time in
   * annotation {@code batch.kubernetes.io/cronjob-scheduled-timestamp}; skips a time missed by more
   * than {@code startingDeadlineSeconds} (Warning Event {@code MissSchedule}); honours {@code
   * suspend} and {@code concurrencyPolicy}; then deletes the oldest finished Jobs beyond {@code
   * successfulJobsHistoryLimit}/{@code failedJobsHistoryLimit}. Empty when no Job was created.
   * Times before the CronJob's creation never fire.
   *
   * @throws IllegalArgumentException if there is no such CronJob
   */
  public Optional<Job> syncCronJob(String namespace, String name, java.time.Instant now) {
    return jobs.syncCronJobOnLoop(namespace, name, now);
  }

  // ---- faults ---------------------------------------------------------------------------------

  /**
   * Makes the next pod admitted that matches {@code which} fail with {@code kind}; OOM_KILLED,
   * EVICTED and NODE_LOST strike as soon as its containers run, SLOW_SCHEDULING holds it until
   * {@link PodFault#release()}.
   */
  public PodFault failNextPod(Predicate<? super Pod> which, FailureKind kind) {
    return failNextPod(which, kind, null);
  }

  /**
   * Like {@link #failNextPod(Predicate, FailureKind)}, with a delay: how long the containers run
   * before the failure, or for SLOW_SCHEDULING how long the pod stays unschedulable (unless
   * released earlier).
   */
  public PodFault failNextPod(Predicate<? super Pod> which, FailureKind kind, Duration delay) {
    if (delay != null && delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    PodFault fault = new PodFault(which, kind, delay);
    podFaults.add(fault);
    return fault;
  }

  /** A predicate for {@link #failNextPod}: the pod with this name. */
  public static Predicate<Pod> podNamed(String name) {
    return pod -> name.equals(pod.getMetadata().getName());
  }

  /** A predicate for {@link #failNextPod}: pods with this label value. */
  public static Predicate<Pod> podLabeled(String key, String value) {
    return pod ->
        pod.getMetadata().getLabels() != null
            && value.equals(pod.getMetadata().getLabels().get(key));
  }

  /**
   * Makes the next {@code times} requests with {@code method} (null: any) whose URI ({@code
   * path?query}) contains a match of {@code uriRegex} fail with {@code statusCode} and a {@code
   * Status} body (reason Conflict, TooManyRequests with {@code Retry-After: 1}, InternalError...).
   * Note that fabric8 clients retry 429 and 5xx answers (up to {@code requestRetryBackoffLimit}).
   */
  public ApiFault failNextRequests(String method, String uriRegex, int statusCode, int times) {
    if (statusCode < 400 || statusCode > 599) {
      throw new IllegalArgumentException("statusCode must be 4xx or 5xx: " + statusCode);
    }
    if (times < 1) {
      throw new IllegalArgumentException("times must be at least 1: " + times);
    }
    ApiFault fault = new ApiFault(method, Pattern.compile(uriRegex), statusCode, times);
    front.addFault(fault);
    return fault;
  }

  /**
   * Cuts the next {@code times} followed log streams ({@code pods/NAME/log?follow=true}) of pods
   * whose name contains a match of {@code podRegex} after {@code afterLines} lines: the connection
   * is closed mid-stream, as when the API server or the kubelet restarts, while the container and
   * its log go on. A client that follows the log must open it again and not repeat lines.
   */
  public LogStreamCut cutLogStreams(String podRegex, int afterLines, int times) {
    if (afterLines < 0 || times < 1) {
      throw new IllegalArgumentException(
          "afterLines must be at least 0 and times at least 1: " + afterLines + ", " + times);
    }
    LogStreamCut cut = new LogStreamCut(Pattern.compile(podRegex), afterLines, times);
    front.addLogCut(cut);
    return cut;
  }

  /**
   * Closes every open watch connection (WebSocket close 1000), as an API server does when a watch
   * times out or the server restarts; clients must re-establish them. Informers relist and watch
   * again. Note: fabric8 treats a watch that ends within 2 s of opening without having received any
   * event like a 410 Gone (a plain {@code watch()} then ends with a {@code WatcherException}).
   * Returns how many were closed.
   */
  public int dropWatches() {
    return front.dropWatches();
  }

  /**
   * Like {@link #dropWatches()}, only the watches whose URI ({@code path?query}) contains a match
   * of {@code uriRegex}.
   */
  public int dropWatches(String uriRegex) {
    return front.dropWatches(Pattern.compile(uriRegex));
  }

  /**
   * Compacts the history: every resourceVersion up to now becomes too old to watch from, as after
   * etcd compaction or once the API server's watch cache moved past it. A watch from such a version
   * gets an {@code ERROR} event with a 410 {@code Status} ("too old resource version") and ends; an
   * informer then lists again. Open watches are not affected. Returns the oldest resourceVersion
   * still retained.
   */
  public long expireResourceVersions() {
    long current =
        backend
            .get("/api/v1/namespaces")
            .map(list -> list.path("metadata").path("resourceVersion").asLong(0))
            .orElse(0L);
    front.expireResourceVersionsBelow(current + 1);
    return current + 1;
  }

  /** How many watch connections through the API address are open. */
  public int openWatches() {
    return front.openWatches();
  }

  // ---- introspection --------------------------------------------------------------------------

  /** The pods in {@code namespace} now (read directly, not counted). */
  public List<Pod> pods(String namespace) {
    return internal.pods().inNamespace(namespace).list().getItems();
  }

  /** The pod now, if it exists (read directly, not counted). */
  public Optional<Pod> pod(String namespace, String name) {
    return Optional.ofNullable(internal.pods().inNamespace(namespace).withName(name).get());
  }

  /** The Job now, if it exists (read directly, not counted). */
  public Optional<Job> job(String namespace, String name) {
    return Optional.ofNullable(
        internal.batch().v1().jobs().inNamespace(namespace).withName(name).get());
  }

  /** Events in {@code namespace} about the object named {@code involvedName}, oldest first. */
  public List<Event> events(String namespace, String involvedName) {
    return internal.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(
            e ->
                e.getInvolvedObject() != null
                    && involvedName.equals(e.getInvolvedObject().getName()))
        .sorted(
            Comparator.comparing(
                e ->
                    e.getMetadata().getResourceVersion() == null
                        ? 0L
                        : Long.parseLong(e.getMetadata().getResourceVersion())))
        .toList();
  }

  /**
   * The output (stdout + stderr) of the only/first container of the latest pod with this name, so
   * far.
   */
  public String processOutput(String namespace, String pod) {
    return processOutput(namespace, pod, null);
  }

  /**
   * The output of {@code container} of the latest pod with this name, so far (also after deletion).
   */
  public String processOutput(String namespace, String pod, String container) {
    return kubelet
        .latestLog(namespace, pod, container)
        .map(ContainerLog::text)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no container of pod "
                        + namespace
                        + "/"
                        + pod
                        + (container == null ? "" : " named " + container)
                        + " has started"));
  }

  /** Every container started so far, in start order. */
  public List<ContainerRun> executedCommands() {
    return kubelet.runs();
  }

  /** Every pod the kubelet admitted, in admission order, including deleted ones. */
  public List<PodRecord> podHistory() {
    return kubelet.history();
  }

  /** The history of the latest pod with this name. */
  public Optional<PodRecord> podRecord(String namespace, String name) {
    List<PodRecord> history = kubelet.history();
    for (int i = history.size() - 1; i >= 0; i--) {
      PodRecord record = history.get(i);
      if (record.namespace().equals(namespace) && record.name().equals(name)) {
        return Optional.of(record);
      }
    }
    return Optional.empty();
  }

  /** Every request that reached {@link #masterUrl()} since start or the last reset, in order. */
  public List<ApiRequest> apiRequests() {
    return front.requests();
  }

  /**
   * How many requests with {@code method} (null: any) have a URI containing a match of {@code
   * uriRegex}.
   */
  public long apiRequestCount(String method, String uriRegex) {
    Pattern pattern = Pattern.compile(uriRegex);
    return front.requests().stream()
        .filter(r -> method == null || method.equalsIgnoreCase(r.method()))
        .filter(r -> pattern.matcher(r.uri()).find())
        .count();
  }

  /**
   * Request counts by {@code "METHOD path"} (query left out; watches count once, as the request
   * that opened them), sorted by key.
   */
  public Map<String, Long> apiRequestCounts() {
    Map<String, Long> counts = new java.util.TreeMap<>();
    for (ApiRequest request : front.requests()) {
      counts.merge(request.method() + " " + request.path(), 1L, Long::sum);
    }
    return counts;
  }

  /**
   * Connections accepted at {@link #masterUrl()} since start or the last {@link
   * #resetApiRequests()}: each costs its client a TLS handshake.
   */
  public long apiConnections() {
    return front.connections();
  }

  /** Forgets the recorded requests and the connection count. */
  public void resetApiRequests() {
    front.resetRequests();
  }

  // ---- waiting --------------------------------------------------------------------------------

  /**
   * Waits until the pod has {@code phase}; returns it. Fails at once if it reached the other
   * terminal phase.
   *
   * @throws AssertionError on timeout, with the pod's state and output
   */
  public Pod awaitPod(String namespace, String name, String phase, Duration timeout) {
    boolean terminal = "Succeeded".equals(phase) || "Failed".equals(phase);
    return awaitPod(
        namespace,
        name,
        pod -> {
          String current = pod.getStatus() == null ? null : pod.getStatus().getPhase();
          if (terminal
              && !phase.equals(current)
              && ("Succeeded".equals(current) || "Failed".equals(current))) {
            throw new AssertionError(
                "pod "
                    + namespace
                    + "/"
                    + name
                    + " ended "
                    + current
                    + " instead of "
                    + phase
                    + ": "
                    + describe(pod)
                    + outputTail(namespace, name));
          }
          return phase.equals(current);
        },
        "phase " + phase,
        timeout);
  }

  /**
   * Waits until the pod exists and matches {@code condition}; returns it.
   *
   * @throws AssertionError on timeout, with the pod's state and output
   */
  public Pod awaitPod(
      String namespace,
      String name,
      Predicate<? super Pod> condition,
      String description,
      Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Pod cached = podCache.getStore().getByKey(namespace + "/" + name);
      Pod pod = cached == null ? null : new PodBuilder(cached).build();
      if (pod != null && condition.test(pod)) {
        return pod;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "pod "
                + namespace
                + "/"
                + name
                + " did not reach "
                + description
                + " within "
                + timeout
                + "; now "
                + (pod == null ? "absent" : describe(pod))
                + outputTail(namespace, name));
      }
      FakeKubelet.sleepQuietly(POLL_MILLIS);
    }
  }

  /** Waits until the pod does not exist. @throws AssertionError on timeout */
  public void awaitPodGone(String namespace, String name, Duration timeout) {
    await(
        "pod " + namespace + "/" + name + " deleted",
        timeout,
        () ->
            podCache.getStore().getByKey(namespace + "/" + name) == null
                && internal.pods().inNamespace(namespace).withName(name).get() == null);
  }

  /**
   * Waits until the Job has condition {@code type} ({@code Complete}, {@code Failed}) True; returns
   * it.
   *
   * @throws AssertionError on timeout, with the Job's status
   */
  public Job awaitJob(String namespace, String name, String type, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Job cached = jobCache.getStore().getByKey(namespace + "/" + name);
      Job job = cached == null ? null : new JobBuilder(cached).build();
      if (job != null
          && job.getStatus() != null
          && job.getStatus().getConditions() != null
          && job.getStatus().getConditions().stream()
              .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))) {
        return job;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "job "
                + namespace
                + "/"
                + name
                + " did not reach "
                + type
                + " within "
                + timeout
                + "; status "
                + (job == null ? "absent" : Serialization.asJson(job.getStatus())));
      }
      FakeKubelet.sleepQuietly(POLL_MILLIS);
    }
  }

  /**
   * Polls {@code condition} every 20 ms until true (mind that a condition reading through {@link
   * #client()} adds to {@link #apiRequests()}).
   *
   * @throws AssertionError naming {@code what} on timeout
   */
  public void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      FakeKubelet.sleepQuietly(20);
    }
  }

  private static String describe(Pod pod) {
    if (pod.getStatus() == null) {
      return "no status";
    }
    StringBuilder out = new StringBuilder("phase=" + pod.getStatus().getPhase());
    if (pod.getStatus().getReason() != null) {
      out.append(" reason=").append(pod.getStatus().getReason());
    }
    if (pod.getStatus().getContainerStatuses() != null) {
      pod.getStatus()
          .getContainerStatuses()
          .forEach(
              c ->
                  out.append(" ")
                      .append(c.getName())
                      .append("=")
                      .append(Serialization.asJson(c.getState())));
    }
    return out.toString();
  }

  private String outputTail(String namespace, String name) {
    return kubelet
        .latestLog(namespace, name, null)
        .map(
            log -> {
              String text = log.text();
              return "\n--- output ---\n"
                  + (text.length() > 2000 ? "..." + text.substring(text.length() - 2000) : text);
            })
        .orElse("");
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Kills every pod process and stops the servers. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(killPodsOnExit);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down
    }
    informers.forEach(
        i -> {
          try {
            i.close();
          } catch (RuntimeException e) {
            // closing anyway
          }
        });
    if (kubelet != null) {
      kubelet.close();
    }
    if (jobs != null) {
      jobs.close();
    }
    gc.close();
    clients.forEach(KubernetesClient::close);
    internal.close();
    if (front != null) {
      front.close();
    }
    mock.destroy();
    deleteRecursively(root);
  }

  private static void deleteRecursively(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // temp files: best effort
    }
  }
}
