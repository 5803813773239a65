package dev.skiff.kubernetes;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import dev.skiff.core.stack.ConfigBinder;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The checks of {@link PodSettings#securityContext()} and {@link PodSettings#additionalPodSpec()},
 * run when the settings are made, so a plan with bad pod settings is refused when it is compiled
 * (by {@code skiff run}, a dry run or a schedule) before anything is created: what the restricted
 * Pod Security profile refuses needs {@code allowPrivileged}; what the API server would refuse in
 * any namespace is refused outright; fields Skiff sets itself name the setting to use.
 */
final class PodSettingsChecks {
  private static final String ALLOW =
      " leaves the restricted Pod Security profile: remove it, or set allowPrivileged: true in the"
          + " same pod settings if the namespace admits such pods";

  /** The only capability the restricted profile lets a container add. */
  private static final String NET_BIND_SERVICE = "NET_BIND_SERVICE";

  /** SELinux types the baseline profile admits. */
  private static final Set<String> SELINUX_TYPES =
      Set.of("container_t", "container_init_t", "container_kvm_t", "container_engine_t");

  private static final long MAX_ID = Integer.MAX_VALUE;

  /**
   * Pod spec fields Skiff sets itself, and the setting to use instead (in the pod settings unless
   * said otherwise).
   */
  private static final Map<String, String> OWNED = owned();

  private static final ObjectMapper INTROSPECTION = new ObjectMapper();

  private PodSettingsChecks() {}

  private static Map<String, String> owned() {
    Map<String, String> m = new LinkedHashMap<>();
    String container =
        "Skiff makes the pod's one container: set its env, envFrom, resources, volumeMounts and"
            + " securityContext in the pod settings";
    m.put("containers", container);
    m.put("initContainers", container);
    m.put("ephemeralContainers", container);
    m.put("volumes", "use volumes in the pod settings");
    m.put("serviceAccountName", "use serviceAccountName or stepServiceAccountName");
    m.put("serviceAccount", "use serviceAccountName or stepServiceAccountName");
    m.put("automountServiceAccountToken", "use automountServiceAccountToken in the pod settings");
    m.put("securityContext", "use securityContext in the pod settings (the container's)");
    m.put("restartPolicy", "Skiff runs each attempt once (Never): use the step's retry policy");
    m.put("activeDeadlineSeconds", "use the step's timeout");
    for (String field :
        List.of(
            "nodeSelector",
            "affinity",
            "tolerations",
            "schedulerName",
            "priorityClassName",
            "imagePullSecrets")) {
      m.put(field, "use " + field + " in the pod settings");
    }
    return Map.copyOf(m);
  }

  static void checkSecurityContext(SecurityContext sc, boolean allowPrivileged) {
    if (sc == null) {
      return;
    }
    unknownFields(sc, "securityContext");
    checkId("securityContext.runAsUser", sc.getRunAsUser());
    checkId("securityContext.runAsGroup", sc.getRunAsGroup());
    var seccomp = sc.getSeccompProfile();
    if (seccomp != null) {
      profile("securityContext.seccompProfile", seccomp.getType(), seccomp.getLocalhostProfile());
    }
    var appArmor = sc.getAppArmorProfile();
    if (appArmor != null) {
      profile(
          "securityContext.appArmorProfile", appArmor.getType(), appArmor.getLocalhostProfile());
    }
    boolean escalates =
        Boolean.TRUE.equals(sc.getPrivileged())
            || adds(sc.getCapabilities(), "SYS_ADMIN")
            || adds(sc.getCapabilities(), "CAP_SYS_ADMIN");
    if (escalates && Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
      // the API server's own rule
      throw new IllegalArgumentException(
          "securityContext.allowPrivilegeEscalation cannot be false in a privileged container or"
              + " one that adds SYS_ADMIN: leave it unset");
    }
    List<String> outside = new ArrayList<>();
    if (Boolean.TRUE.equals(sc.getPrivileged())) {
      outside.add("securityContext.privileged: true");
    }
    if (Boolean.TRUE.equals(sc.getAllowPrivilegeEscalation())) {
      outside.add("securityContext.allowPrivilegeEscalation: true");
    }
    if (Boolean.FALSE.equals(sc.getRunAsNonRoot())) {
      outside.add("securityContext.runAsNonRoot: false");
    }
    if (Long.valueOf(0).equals(sc.getRunAsUser())) {
      outside.add("securityContext.runAsUser: 0 (root)");
    }
    if (Long.valueOf(0).equals(sc.getRunAsGroup())) {
      outside.add("securityContext.runAsGroup: 0 (root)");
    }
    Capabilities caps = sc.getCapabilities();
    if (caps != null) {
      caps.getAdd().stream()
          .filter(c -> !NET_BIND_SERVICE.equals(c))
          .findFirst()
          .ifPresent(
              c ->
                  outside.add(
                      "securityContext.capabilities.add: "
                          + c
                          + " (only NET_BIND_SERVICE may be added)"));
      if (!caps.getDrop().isEmpty() && !caps.getDrop().contains("ALL")) {
        outside.add("securityContext.capabilities.drop without ALL");
      }
    }
    if (seccomp != null && "Unconfined".equals(seccomp.getType())) {
      outside.add("securityContext.seccompProfile.type: Unconfined");
    }
    if (appArmor != null && "Unconfined".equals(appArmor.getType())) {
      outside.add("securityContext.appArmorProfile.type: Unconfined");
    }
    var seLinux = sc.getSeLinuxOptions();
    if (seLinux != null) {
      if (seLinux.getUser() != null || seLinux.getRole() != null) {
        outside.add("securityContext.seLinuxOptions.user or role");
      }
      if (seLinux.getType() != null && !SELINUX_TYPES.contains(seLinux.getType())) {
        outside.add("securityContext.seLinuxOptions.type: " + seLinux.getType());
      }
    }
    if (sc.getProcMount() != null && !"Default".equals(sc.getProcMount())) {
      outside.add("securityContext.procMount: " + sc.getProcMount());
    }
    if (sc.getWindowsOptions() != null
        && Boolean.TRUE.equals(sc.getWindowsOptions().getHostProcess())) {
      outside.add("securityContext.windowsOptions.hostProcess: true");
    }
    if (!outside.isEmpty() && !allowPrivileged) {
      throw new IllegalArgumentException(outside.get(0) + ALLOW);
    }
    if (Long.valueOf(0).equals(sc.getRunAsUser()) && sc.getRunAsNonRoot() == null) {
      // Skiff's pods ask for a non-root user; the kubelet refuses to start uid 0 under that
      throw new IllegalArgumentException(
          "securityContext.runAsUser: 0 needs securityContext.runAsNonRoot: false as well");
    }
  }

  /**
   * A hostPath volume shares the node's disk with the pod: the baseline and restricted profiles
   * both refuse it, so it needs {@code allowPrivileged} like the host's namespaces do.
   */
  static void checkVolumes(List<io.fabric8.kubernetes.api.model.Volume> volumes, boolean allow) {
    for (var v : volumes) {
      if (v.getHostPath() != null && !allow) {
        throw new IllegalArgumentException(
            "volumes: '" + v.getName() + "' is a hostPath volume (the node's own disk)" + ALLOW);
      }
    }
  }

  static void checkAdditionalPodSpec(PodSpec spec, boolean allowPrivileged) {
    if (spec == null) {
      return;
    }
    unknownFields(spec, "additionalPodSpec");
    for (BeanPropertyDefinition p : properties(PodSpec.class)) {
      String use = OWNED.get(p.getName());
      if (use != null && isSet(p.getGetter().getValue(spec))) {
        throw new IllegalArgumentException(
            "additionalPodSpec." + p.getName() + " is set by Skiff: " + use);
      }
    }
    if (!allowPrivileged) {
      for (var host :
          List.of(
              Map.entry("hostNetwork", Optional.ofNullable(spec.getHostNetwork())),
              Map.entry("hostPID", Optional.ofNullable(spec.getHostPID())),
              Map.entry("hostIPC", Optional.ofNullable(spec.getHostIPC())))) {
        if (host.getValue().orElse(false)) {
          throw new IllegalArgumentException(
              "additionalPodSpec." + host.getKey() + ": true (the host's namespace)" + ALLOW);
        }
      }
    }
  }

  private static void checkId(String field, Long id) {
    if (id != null && (id < 0 || id > MAX_ID)) {
      throw new IllegalArgumentException(
          field + " must be between 0 and " + MAX_ID + ", got " + id);
    }
  }

  /** A seccomp or AppArmor profile as the API server checks it. */
  private static void profile(String field, String type, String localhostProfile) {
    if (!List.of("RuntimeDefault", "Localhost", "Unconfined").contains(type)) {
      throw new IllegalArgumentException(
          field + ".type must be RuntimeDefault, Localhost or Unconfined, got " + type);
    }
    boolean localhost = type.equals("Localhost");
    if (localhost && (localhostProfile == null || localhostProfile.isBlank())) {
      throw new IllegalArgumentException(
          field + ".localhostProfile is required with type Localhost (a profile on the node)");
    }
    if (!localhost && localhostProfile != null) {
      throw new IllegalArgumentException(
          field + ".localhostProfile may only be set with type Localhost");
    }
  }

  private static boolean adds(Capabilities caps, String capability) {
    return caps != null && caps.getAdd().contains(capability);
  }

  private static boolean isSet(Object value) {
    return value != null
        && !(value instanceof Collection<?> c && c.isEmpty())
        && !(value instanceof Map<?, ?> m && m.isEmpty());
  }

  /**
   * Refuses fields that the Kubernetes model does not have, at any depth: fabric8 keeps them aside
   * (additional properties) instead of failing, and the API server would drop or refuse them.
   */
  static void unknownFields(Object value, String path) {
    if (value == null) {
      return;
    }
    if (value instanceof Collection<?> c) {
      int i = 0;
      for (Object item : c) {
        unknownFields(item, path + "[" + i++ + "]");
      }
      return;
    }
    if (value instanceof Map<?, ?> m) {
      m.forEach((k, v) -> unknownFields(v, path + "." + k));
      return;
    }
    if (!(value instanceof KubernetesResource)) {
      return;
    }
    List<BeanPropertyDefinition> known = properties(value.getClass());
    for (BeanPropertyDefinition p : known) {
      if (p.getGetter() == null) {
        continue;
      }
      Object child = p.getGetter().getValue(value);
      unknownFields(child, path + "." + p.getName());
    }
    Map<String, Object> extra = additionalProperties(value);
    if (!extra.isEmpty()) {
      String key = extra.keySet().iterator().next();
      List<String> names = known.stream().map(BeanPropertyDefinition::getName).toList();
      throw new IllegalArgumentException(
          path
              + " has no field '"
              + key
              + "' in Kubernetes' "
              + value.getClass().getSimpleName()
              + ConfigBinder.closest(key, names).map(n -> ": did you mean '" + n + "'?").orElse("")
              + " (fields: "
              + String.join(", ", names)
              + ")");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> additionalProperties(Object value) {
    try {
      Object extra = value.getClass().getMethod("getAdditionalProperties").invoke(value);
      return extra instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    } catch (ReflectiveOperationException e) {
      return Map.of();
    }
  }

  private static List<BeanPropertyDefinition> properties(Class<?> type) {
    BeanDescription bean =
        INTROSPECTION
            .getSerializationConfig()
            .introspect(INTROSPECTION.getTypeFactory().constructType(type));
    return bean.findProperties().stream()
        .filter(p -> !p.getName().equals("additionalProperties") && p.getGetter() != null)
        .toList();
  }
}
