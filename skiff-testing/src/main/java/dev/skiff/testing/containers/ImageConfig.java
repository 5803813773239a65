package dev.skiff.testing.containers;

import java.util.List;
import java.util.OptionalLong;

/**
 * The run configuration of a local image, from {@code podman image inspect}.
 *
 * @param id the local image id
 * @param user the image's {@code USER}, empty when unset (then it runs as root)
 * @param entrypoint empty when unset
 * @param cmd empty when unset
 * @param env {@code NAME=value} entries
 * @param workingDir empty when unset
 */
public record ImageConfig(
    String id,
    String user,
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workingDir) {

  public ImageConfig {
    user = user == null ? "" : user;
    entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
    workingDir = workingDir == null ? "" : workingDir;
  }

  /**
   * The uid the image runs as, as a kubelet checks {@code runAsNonRoot}: 0 when the user is unset,
   * {@code root} or {@code 0[:gid]}; the number when numeric; empty for any other name (which a
   * kubelet cannot verify and refuses under {@code runAsNonRoot}).
   */
  public OptionalLong uid() {
    String u = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
    if (u.isEmpty() || u.equals("root")) {
      return OptionalLong.of(0);
    }
    try {
      return OptionalLong.of(Long.parseLong(u));
    } catch (NumberFormatException name) {
      return OptionalLong.empty();
    }
  }

  /** The value of one variable of {@link #env()}, or null. */
  public String envValue(String name) {
    for (String e : env) {
      if (e.startsWith(name + "=")) {
        return e.substring(name.length() + 1);
      }
    }
    return null;
  }
}
