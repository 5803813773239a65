package dev.skiff.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks of the Kubernetes "restricted" Pod Security Standard (v1.2x), as the admission
 * controller applies them, for tests: baseline (no host namespaces, no privileged, no host paths,
 * no added capabilities, no host ports, AppArmor and SELinux as admitted, default /proc mount, no
 * Windows host process, only safe sysctls) plus restricted (non-root, no privilege escalation,
 * seccomp RuntimeDefault or Localhost, capabilities drop ALL, only safe volume types).
 */
final class RestrictedProfile {
  private static final List<String> ALLOWED_VOLUMES =
      List.of(
          "configMap",
          "csi",
          "downwardAPI",
          "emptyDir",
          "ephemeral",
          "persistentVolumeClaim",
          "projected",
          "secret");

  private static final List<String> SELINUX_TYPES =
      List.of("container_t", "container_init_t", "container_kvm_t", "container_engine_t");

  /** The sysctls baseline admits (namespaced, isolated from the node). */
  private static final List<String> SAFE_SYSCTLS =
      List.of(
          "kernel.shm_rmid_forced",
          "net.ipv4.ip_local_port_range",
          "net.ipv4.ip_unprivileged_port_start",
          "net.ipv4.tcp_syncookies",
          "net.ipv4.ping_group_range",
          "net.ipv4.ip_local_reserved_ports",
          "net.ipv4.tcp_keepalive_time",
          "net.ipv4.tcp_fin_timeout",
          "net.ipv4.tcp_keepalive_intvl",
          "net.ipv4.tcp_keepalive_probes");

  private RestrictedProfile() {}

  static List<String> violations(PodSpec spec) {
    List<String> v = new ArrayList<>();
    if (Boolean.TRUE.equals(spec.getHostNetwork())
        || Boolean.TRUE.equals(spec.getHostPID())
        || Boolean.TRUE.equals(spec.getHostIPC())) {
      v.add("host namespaces");
    }
    var podSc = spec.getSecurityContext();
    boolean podNonRoot = podSc != null && Boolean.TRUE.equals(podSc.getRunAsNonRoot());
    String podSeccomp =
        podSc == null || podSc.getSeccompProfile() == null
            ? null
            : podSc.getSeccompProfile().getType();
    if (podSc != null && podSc.getRunAsUser() != null && podSc.getRunAsUser() == 0) {
      v.add("pod runAsUser 0");
    }
    if (podSc != null) {
      seLinux(podSc.getSeLinuxOptions(), "pod", v);
      appArmor(podSc.getAppArmorProfile(), "pod", v);
      if (podSc.getWindowsOptions() != null
          && Boolean.TRUE.equals(podSc.getWindowsOptions().getHostProcess())) {
        v.add("pod: windows hostProcess");
      }
      podSc.getSysctls().stream()
          .filter(s -> !SAFE_SYSCTLS.contains(s.getName()))
          .forEach(s -> v.add("pod: sysctl " + s.getName()));
    }
    spec.getVolumes()
        .forEach(
            vol -> {
              var props =
                  new com.fasterxml.jackson.databind.ObjectMapper()
                      .convertValue(vol, java.util.Map.class);
              props.keySet().stream()
                  .filter(k -> !k.equals("name"))
                  .forEach(
                      k -> {
                        if (!ALLOWED_VOLUMES.contains(k)) {
                          v.add("volume type " + k);
                        }
                      });
            });
    List<Container> all = new ArrayList<>(spec.getContainers());
    all.addAll(spec.getInitContainers());
    for (Container c : all) {
      var sc = c.getSecurityContext();
      if (sc == null) {
        v.add(c.getName() + ": no securityContext");
        continue;
      }
      if (Boolean.TRUE.equals(sc.getPrivileged())) {
        v.add(c.getName() + ": privileged");
      }
      if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
        v.add(c.getName() + ": allowPrivilegeEscalation must be false");
      }
      if (!(podNonRoot || Boolean.TRUE.equals(sc.getRunAsNonRoot()))) {
        v.add(c.getName() + ": runAsNonRoot must be true");
      }
      if (sc.getRunAsUser() != null && sc.getRunAsUser() == 0) {
        v.add(c.getName() + ": runAsUser 0");
      }
      String seccomp =
          sc.getSeccompProfile() == null ? podSeccomp : sc.getSeccompProfile().getType();
      if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
        v.add(c.getName() + ": seccompProfile must be RuntimeDefault or Localhost");
      }
      var caps = sc.getCapabilities();
      if (caps == null || !caps.getDrop().contains("ALL")) {
        v.add(c.getName() + ": capabilities must drop ALL");
      }
      if (caps != null && caps.getAdd().stream().anyMatch(a -> !a.equals("NET_BIND_SERVICE"))) {
        v.add(c.getName() + ": only NET_BIND_SERVICE may be added");
      }
      seLinux(sc.getSeLinuxOptions(), c.getName(), v);
      appArmor(sc.getAppArmorProfile(), c.getName(), v);
      if (sc.getProcMount() != null && !sc.getProcMount().equals("Default")) {
        v.add(c.getName() + ": procMount " + sc.getProcMount());
      }
      if (sc.getWindowsOptions() != null
          && Boolean.TRUE.equals(sc.getWindowsOptions().getHostProcess())) {
        v.add(c.getName() + ": windows hostProcess");
      }
      c.getPorts()
          .forEach(
              p -> {
                if (p.getHostPort() != null && p.getHostPort() != 0) {
                  v.add(c.getName() + ": hostPort");
                }
              });
    }
    return v;
  }

  private static void seLinux(
      io.fabric8.kubernetes.api.model.SELinuxOptions options, String who, List<String> v) {
    if (options == null) {
      return;
    }
    if (options.getType() != null && !SELINUX_TYPES.contains(options.getType())) {
      v.add(who + ": seLinux type " + options.getType());
    }
    if (options.getUser() != null || options.getRole() != null) {
      v.add(who + ": seLinux user or role");
    }
  }

  private static void appArmor(
      io.fabric8.kubernetes.api.model.AppArmorProfile profile, String who, List<String> v) {
    if (profile != null && "Unconfined".equals(profile.getType())) {
      v.add(who + ": AppArmor Unconfined");
    }
  }
}
