package dev.skiff.kubernetes.internal;

import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.StoreAccess;
import dev.skiff.kubernetes.KubernetesOrchestratorConfig;
import dev.skiff.kubernetes.KubernetesSettings;
import dev.skiff.kubernetes.PodSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpecBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders every object a run creates. Pure: the same inputs give the same manifests, so {@code
 * --dry-run -o yaml} shows exactly what a run would send. Pods meet the restricted Pod Security
 * profile; the Role grants only the verbs Skiff uses.
 */
public final class Manifests {
  /** Key in the run Secret holding the metadata store URL. */
  public static final String SECRET_METADATA_URL = "metadata-url";

  /** Key in the run Secret holding the metadata store password, when there is one. */
  public static final String SECRET_METADATA_PASSWORD = "metadata-password";

  /** Key in the run Secret holding the artifact store (flavor and settings, keys included). */
  public static final String SECRET_ARTIFACT_STORE = "artifact-store";

  public static final String ROLE_NAME = "skiff-orchestrator";

  /** Name of the one container of every Skiff pod. */
  public static final String CONTAINER = "main";

  static final long RUN_AS_USER = 65532; // the conventional non-root uid of distroless images

  /**
   * Requests of a pod whose settings request (or limit) neither CPU nor memory, so the scheduler
   * places it on a node with room for a JVM. A request or a limit in the pod settings replaces the
   * default of that resource.
   */
  static final Map<String, String> DEFAULT_REQUESTS = Map.of("cpu", "100m", "memory", "400Mi");

  private final String namespace;
  private final List<String> imagePullSecrets;
  private final String image;
  private final String secretOverride;

  public Manifests(KubernetesOrchestratorConfig config, String image) {
    this(config.kubernetesNamespace(), config.imagePullSecrets(), image);
  }

  /**
   * Objects in {@code namespace}, pods running {@code image} pulled with {@code imagePullSecrets}.
   */
  public Manifests(String namespace, List<String> imagePullSecrets, String image) {
    this(namespace, imagePullSecrets, image, null);
  }

  private Manifests(
      String namespace, List<String> imagePullSecrets, String image, String secretOverride) {
    this.namespace = namespace;
    this.imagePullSecrets = List.copyOf(imagePullSecrets);
    this.image = image;
    this.secretOverride = secretOverride;
  }

  /** Step pods of scheduled runs read the store addresses from the schedule's Secret. */
  public Manifests withRunSecret(String secretName) {
    return new Manifests(namespace, imagePullSecrets, image, secretName);
  }

  /**
   * The rules of the orchestrator's Role: exactly what the orchestrator pod calls (a test compares
   * them with the calls it records), no wildcards. Pods: its own ({@code get}), the step pods
   * ({@code create}, {@code delete}), one informer on the run's pods ({@code list}, {@code watch})
   * and their logs. Jobs: a scheduled run's orchestrator reads its own Job and writes the run id on
   * it ({@code get}, {@code update}), so a restarted pod continues that run. No {@code
   * jobs/finalizers}: owner references to the Job never set {@code blockOwnerDeletion} (see {@link
   * #ownerReference}).
   */
  public static List<PolicyRule> roleRules() {
    return List.of(
        rule("", "pods", "create", "get", "list", "watch", "delete", "deletecollection"),
        rule("", "pods/log", "get"),
        rule("batch", "jobs", "get", "update"));
  }

  /**
   * What the client (your kubeconfig's user) calls, for a Role of users who run pipelines: check
   * the namespace, create the service account with its Role and binding (unless one is named),
   * submit the Job and its Secret, follow the run (watch its Job and orchestrator pod, stream its
   * log), stop and resume runs, and manage the CronJobs of schedules. A test checks that the client
   * calls nothing else. Creating the Role also needs every permission it grants ({@link
   * #roleRules}), as RBAC forbids granting more than one holds.
   */
  public static List<PolicyRule> clientRules() {
    return List.of(
        rule("", "namespaces", "get"),
        rule("", "serviceaccounts", "get", "create", "update"),
        rule("rbac.authorization.k8s.io", "roles", "get", "create", "update"),
        rule("rbac.authorization.k8s.io", "rolebindings", "get", "create", "update"),
        rule("", "secrets", "get", "create", "update", "delete"),
        rule(
            "batch",
            "jobs",
            "get",
            "list",
            "watch",
            "create",
            "patch",
            "delete",
            "deletecollection"),
        rule("batch", "cronjobs", "get", "create", "update", "patch", "delete"),
        rule("", "pods", "list", "watch", "deletecollection"),
        rule("", "pods/log", "get"));
  }

  public ServiceAccount serviceAccount() {
    return new ServiceAccountBuilder()
        .withNewMetadata()
        .withName(KubernetesOrchestratorConfig.DEFAULT_SERVICE_ACCOUNT)
        .withNamespace(ns())
        .withLabels(Map.of(Labels.MANAGED_BY, "skiff"))
        .endMetadata()
        .withAutomountServiceAccountToken(false)
        .build();
  }

  public Role role() {
    return new RoleBuilder()
        .withNewMetadata()
        .withName(ROLE_NAME)
        .withNamespace(ns())
        .withLabels(Map.of(Labels.MANAGED_BY, "skiff"))
        .endMetadata()
        .withRules(roleRules())
        .build();
  }

  public RoleBinding roleBinding() {
    return new RoleBindingBuilder()
        .withNewMetadata()
        .withName(ROLE_NAME)
        .withNamespace(ns())
        .withLabels(Map.of(Labels.MANAGED_BY, "skiff"))
        .endMetadata()
        .withNewRoleRef()
        .withApiGroup("rbac.authorization.k8s.io")
        .withKind("Role")
        .withName(ROLE_NAME)
        .endRoleRef()
        .addNewSubject()
        .withKind("ServiceAccount")
        .withName(KubernetesOrchestratorConfig.DEFAULT_SERVICE_ACCOUNT)
        .withNamespace(ns())
        .endSubject()
        .build();
  }

  /**
   * How the run's pods reach the stores (URLs, password, S3 settings and keys); they reach pods
   * only as secret-backed env, never as values in a pod spec.
   */
  public Secret runSecret(String runId, String pipeline, StoreAccess stores) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(SECRET_METADATA_URL, b64(stores.metadataUrl()));
    if (stores.metadataPassword() != null) {
      data.put(SECRET_METADATA_PASSWORD, b64(stores.metadataPassword()));
    }
    data.put(SECRET_ARTIFACT_STORE, b64(stores.artifactStore()));
    return new SecretBuilder()
        .withNewMetadata()
        .withName(Names.runSecret(runId))
        .withNamespace(ns())
        .withLabels(Labels.run(runId, pipeline, "secret"))
        .endMetadata()
        .withType("Opaque")
        .withData(data)
        .build();
  }

  /**
   * The Job that runs the orchestrator of one run; the cluster starts a new orchestrator pod if one
   * fails (up to {@code backoffLimit}), disruptions not counted.
   */
  public Job orchestratorJob(RunPlan plan, String runId, KubernetesSettings settings) {
    Map<String, String> labels = Labels.run(runId, plan.pipeline(), "orchestrator");
    return new JobBuilder()
        .withNewMetadata()
        .withName(Names.orchestratorJob(runId))
        .withNamespace(ns())
        .withLabels(labels)
        .endMetadata()
        .withSpec(
            jobSpec(
                labels, settings, List.of("orchestrator", "--run", runId), Names.runSecret(runId)))
        .build();
  }

  /**
   * A CronJob whose job template is the orchestrator Job of a scheduled run, with the schedule
   * settings ({@code concurrencyPolicy}, {@code startingDeadlineSeconds}, {@code timeZone}, history
   * limits) of {@code settings}.
   */
  public CronJob cronJob(
      RunPlan plan, String schedule, String cron, String secretName, KubernetesSettings settings) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.PIPELINE, Names.labelValue(plan.pipeline()));
    labels.put(Labels.ROLE, "orchestrator");
    labels.put(Labels.MANAGED_BY, "skiff");
    labels.put("skiff.dev/schedule", Names.labelValue(schedule));
    return new CronJobBuilder()
        .withNewMetadata()
        .withName(Names.cronJob(plan.pipeline(), schedule))
        .withNamespace(ns())
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withSchedule(cron)
        .withConcurrencyPolicy(settings.concurrencyPolicy())
        .withStartingDeadlineSeconds(settings.startingDeadlineSeconds())
        .withTimeZone(settings.timeZone())
        .withSuccessfulJobsHistoryLimit(settings.successfulJobsHistoryLimit())
        .withFailedJobsHistoryLimit(settings.failedJobsHistoryLimit())
        .withNewJobTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withSpec(
            jobSpec(
                labels,
                settings,
                List.of("orchestrator", "--schedule", plan.pipeline() + "/" + schedule),
                secretName))
        .endJobTemplate()
        .endSpec()
        .build();
  }

  /** The pod of one attempt of one step, owned by the run's orchestrator Job. */
  public Pod stepPod(
      RunPlan plan,
      String runId,
      PlanStep step,
      int attempt,
      PodSettings podSettings,
      String serviceAccount,
      OwnerReference owner) {
    return stepPod(plan, runId, step, attempt, null, podSettings, serviceAccount, owner);
  }

  /**
   * The pod of one attempt; {@code token} (null for none) is the attempt's, which alone may publish
   * its outputs.
   */
  public Pod stepPod(
      RunPlan plan,
      String runId,
      PlanStep step,
      int attempt,
      String token,
      PodSettings podSettings,
      String serviceAccount,
      OwnerReference owner) {
    Map<String, String> labels = new LinkedHashMap<>(podSettings.labels());
    labels.putAll(Labels.step(runId, plan.pipeline(), step.name()));
    List<String> args =
        new ArrayList<>(
            List.of(
                "step",
                "--run",
                runId,
                "--step",
                step.name(),
                "--attempt",
                String.valueOf(attempt)));
    if (token != null) {
      args.addAll(List.of("--token", token));
    }
    PodSpecBuilder spec =
        new PodSpecBuilder(
                podSpec(
                    podSettings,
                    serviceAccount,
                    args,
                    secretOverride != null ? secretOverride : Names.runSecret(runId)))
            .withRestartPolicy("Never")
            // a step talks to the stores, never to the API, unless its settings ask for a token
            .withAutomountServiceAccountToken(
                Boolean.TRUE.equals(podSettings.automountServiceAccountToken()));
    if (step.policy().timeout() != null) {
      spec.withActiveDeadlineSeconds(
          Math.max(1, (long) Math.ceil(step.policy().timeout().toMillis() / 1000.0)));
    }
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(Names.stepPod(runId, step.name(), attempt))
            .withNamespace(ns())
            .withLabels(labels)
            .withAnnotations(podSettings.annotations())
            .endMetadata()
            .withSpec(spec.build());
    if (owner != null) {
      pod.editMetadata().withOwnerReferences(owner).endMetadata();
    }
    return pod.build();
  }

  private JobSpec jobSpec(
      Map<String, String> labels,
      KubernetesSettings settings,
      List<String> args,
      String secretName) {
    PodSettings podSettings = settings.orchestratorPodSettings();
    String serviceAccount = settings.effectiveServiceAccount();
    Map<String, String> podLabels = new LinkedHashMap<>(podSettings.labels());
    podLabels.putAll(labels);
    PodTemplateSpec template =
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .withLabels(podLabels)
            .withAnnotations(podSettings.annotations())
            .endMetadata()
            .withSpec(
                new PodSpecBuilder(
                        podSpec(
                            podSettings,
                            serviceAccount,
                            args,
                            secretName,
                            orchestratorJvmOptions(podSettings)))
                    .withRestartPolicy("Never")
                    // only the orchestrator talks to the API; the account itself mounts nothing
                    .withAutomountServiceAccountToken(true)
                    .build())
            .build();
    return new JobSpecBuilder()
        .withBackoffLimit(settings.backoffLimit())
        .withTtlSecondsAfterFinished(settings.ttlSecondsAfterFinished())
        .withActiveDeadlineSeconds(settings.activeDeadlineSeconds())
        .withPodFailurePolicy(podFailurePolicy())
        .withTemplate(template)
        .build();
  }

  /**
   * A disrupted orchestrator pod (evicted, preempted, its node drained or lost: condition {@code
   * DisruptionTarget}) is replaced without spending {@code backoffLimit}; one that exits with
   * {@link OrchestratorMain#CONFIGURATION_ERROR} fails the Job at once, since no new pod can fix
   * its configuration.
   */
  static PodFailurePolicy podFailurePolicy() {
    return new PodFailurePolicyBuilder()
        .addNewRule()
        .withAction("Ignore")
        .addNewOnPodCondition()
        .withType("DisruptionTarget")
        .withStatus("True")
        .endOnPodCondition()
        .endRule()
        .addNewRule()
        .withAction("FailJob")
        .withNewOnExitCodes()
        .withContainerName(CONTAINER)
        .withOperator("In")
        .withValues(OrchestratorMain.CONFIGURATION_ERROR)
        .endOnExitCodes()
        .endRule()
        .build();
  }

  /**
   * The orchestrator's JVM compiles with C1 only: it coordinates (watch events, JSON, TLS, a few
   * store writes per step) and never runs long hot loops, so C2's faster code did not pay for its
   * compiling, which took four fifths of the pod's CPU in a 1000-step run and delayed dispatch on a
   * busy core. Step pods keep the full JIT (they train models). The user's own {@code
   * JAVA_TOOL_OPTIONS} in the orchestrator's pod settings replaces this.
   */
  public static final EnvVar ORCHESTRATOR_JVM_OPTIONS =
      new EnvVarBuilder()
          .withName("JAVA_TOOL_OPTIONS")
          .withValue("-XX:TieredStopAtLevel=1")
          .build();

  private static List<EnvVar> orchestratorJvmOptions(PodSettings s) {
    boolean own =
        s.env().stream().anyMatch(e -> ORCHESTRATOR_JVM_OPTIONS.getName().equals(e.getName()));
    return own ? List.of() : List.of(ORCHESTRATOR_JVM_OPTIONS);
  }

  private PodSpec podSpec(
      PodSettings s, String serviceAccount, List<String> args, String secretName) {
    return podSpec(s, serviceAccount, args, secretName, List.of());
  }

  private PodSpec podSpec(
      PodSettings s,
      String serviceAccount,
      List<String> args,
      String secretName,
      List<EnvVar> extraEnv) {
    List<EnvVar> env = new ArrayList<>();
    env.add(secretEnv(StoreAccess.METADATA_URL_ENV, secretName, SECRET_METADATA_URL, false));
    env.add(
        secretEnv(StoreAccess.METADATA_PASSWORD_ENV, secretName, SECRET_METADATA_PASSWORD, true));
    env.add(secretEnv(StoreAccess.ARTIFACT_STORE_ENV, secretName, SECRET_ARTIFACT_STORE, false));
    env.add(
        new EnvVarBuilder()
            .withName("SKIFF_NAMESPACE")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.namespace")
            .endFieldRef()
            .endValueFrom()
            .build());
    env.add(
        new EnvVarBuilder()
            .withName("SKIFF_POD_NAME")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.name")
            .endFieldRef()
            .endValueFrom()
            .build());
    env.addAll(extraEnv);
    env.addAll(s.env());
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    mounts.addAll(s.volumeMounts());
    List<Volume> volumes = new ArrayList<>();
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    volumes.addAll(s.volumes());
    Container container =
        new ContainerBuilder()
            .withName(CONTAINER)
            .withImage(image)
            .withImagePullPolicy("IfNotPresent")
            .withArgs(args)
            .withEnv(env)
            .withEnvFrom(s.envFrom())
            .withVolumeMounts(mounts)
            .withResources(resources(s))
            .withSecurityContext(PodSpecMerge.containerSecurityContext(s.securityContext()))
            .build();
    PodSpecBuilder spec =
        new PodSpecBuilder()
            .withServiceAccountName(serviceAccount)
            .withContainers(container)
            .withVolumes(volumes)
            .withNodeSelector(s.nodeSelector().isEmpty() ? null : s.nodeSelector())
            .withAffinity(s.affinity())
            .withTolerations(s.tolerations())
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withRunAsUser(RUN_AS_USER)
            .withRunAsGroup(RUN_AS_USER)
            .withFsGroup(RUN_AS_USER)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext();
    spec.withSchedulerName(s.schedulerName()).withPriorityClassName(s.priorityClassName());
    for (String pull : imagePullSecrets) {
      spec.addToImagePullSecrets(new LocalObjectReference(pull));
    }
    for (String pull : s.imagePullSecrets()) {
      if (!imagePullSecrets.contains(pull)) {
        spec.addToImagePullSecrets(new LocalObjectReference(pull));
      }
    }
    return PodSpecMerge.withAdditional(spec.build(), s.additionalPodSpec());
  }

  private static ResourceRequirements resources(PodSettings s) {
    ResourceRequirementsBuilder r =
        s.resources() == null
            ? new ResourceRequirementsBuilder()
            : new ResourceRequirementsBuilder(s.resources());
    if (s.gpus() != null && s.gpus() > 0) {
      r.addToLimits("nvidia.com/gpu", new Quantity(String.valueOf(s.gpus())));
    }
    ResourceRequirements given = r.build();
    DEFAULT_REQUESTS.forEach(
        (resource, amount) -> {
          // a limit alone makes the request equal to it: a default request must not exceed it
          boolean set =
              given.getRequests() != null && given.getRequests().containsKey(resource)
                  || given.getLimits() != null && given.getLimits().containsKey(resource);
          if (!set) {
            r.addToRequests(resource, new Quantity(amount));
          }
        });
    return r.build();
  }

  private static EnvVar secretEnv(String name, String secret, String key, boolean optional) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(secret)
        .withKey(key)
        .withOptional(optional ? Boolean.TRUE : null)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  private static PolicyRule rule(String apiGroup, String resource, String... verbs) {
    return new PolicyRuleBuilder()
        .withApiGroups(apiGroup)
        .withResources(resource)
        .withVerbs(verbs)
        .build();
  }

  private String ns() {
    return namespace;
  }

  private static String b64(String s) {
    return Base64.getEncoder()
        .encodeToString((s == null ? "" : s).getBytes(StandardCharsets.UTF_8));
  }

  /** Owner reference making {@code job} the owner of the pods and Secret of its run. */
  public static OwnerReference ownedBy(Job job) {
    return ownerReference(
        "batch/v1", "Job", job.getMetadata().getName(), job.getMetadata().getUid());
  }

  /**
   * The reference a run's objects (step pods, Secret) get to the orchestrator Job (or a schedule's
   * Secret to its CronJob) whose {@code controller} reference {@code controllerRef} is: the same
   * owner, not as controller.
   */
  public static OwnerReference ownedBy(OwnerReference controllerRef) {
    return ownerReference(
        controllerRef.getApiVersion(),
        controllerRef.getKind(),
        controllerRef.getName(),
        controllerRef.getUid());
  }

  /**
   * A non-controller owner reference, without {@code blockOwnerDeletion}. Not a controller: the
   * Job's selector does not match step pods, so the Job controller would release a pod it is the
   * controller of (remove the reference), and nothing would be deleted with the Job. No {@code
   * blockOwnerDeletion}: it only makes a foreground deletion of the Job wait for these objects,
   * which Skiff does not need (it deletes Jobs in the background; the TTL controller's foreground
   * deletion then finishes at once and the garbage collector removes the pods right after), while
   * setting it needs {@code update} on {@code jobs/finalizers} wherever the
   * OwnerReferencesPermissionEnforcement admission plugin runs — a grant the Role does not need.
   */
  public static OwnerReference ownerReference(
      String apiVersion, String kind, String name, String uid) {
    return new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
        .withApiVersion(apiVersion)
        .withKind(kind)
        .withName(name)
        .withUid(uid)
        .withController(false)
        .build();
  }
}
