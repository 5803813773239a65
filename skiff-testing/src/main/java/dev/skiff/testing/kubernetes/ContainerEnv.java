package dev.skiff.testing.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Resolves a container's environment and command line the way the kubelet does. */
final class ContainerEnv {

  /** The container cannot be configured yet ({@code CreateContainerConfigError}). */
  static final class ConfigError extends Exception {
    private static final long serialVersionUID = 1L;

    ConfigError(String message) {
      super(message);
    }
  }

  private static final Pattern FIELD_KEY =
      Pattern.compile("^metadata\\.(labels|annotations)\\['(.+)'\\]$");
  private static final Pattern ENV_NAME = Pattern.compile("^[-._a-zA-Z][-._a-zA-Z0-9]*$");

  private final KubernetesClient client;

  ContainerEnv(KubernetesClient client) {
    this.client = client;
  }

  /**
   * The environment: {@code base} (service links, cluster address), then the image's env, then
   * {@code envFrom}, then {@code env} (later wins), with {@code $(VAR)} references expanded.
   */
  Map<String, String> resolve(
      Pod pod, Container container, ImageRegistry.Image image, Map<String, String> base)
      throws ConfigError {
    String namespace = pod.getMetadata().getNamespace();
    Map<String, String> env = new LinkedHashMap<>(base);
    env.putAll(image.env());
    if (container.getEnvFrom() != null) {
      for (EnvFromSource source : container.getEnvFrom()) {
        String prefix = source.getPrefix() == null ? "" : source.getPrefix();
        if (source.getConfigMapRef() != null) {
          String name = source.getConfigMapRef().getName();
          ConfigMap map = client.configMaps().inNamespace(namespace).withName(name).get();
          if (map == null) {
            if (Boolean.TRUE.equals(source.getConfigMapRef().getOptional())) {
              continue;
            }
            throw new ConfigError("configmap \"" + name + "\" not found");
          }
          if (map.getData() != null) {
            map.getData().forEach((k, v) -> putIfValidName(env, prefix + k, v));
          }
        }
        if (source.getSecretRef() != null) {
          String name = source.getSecretRef().getName();
          Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
          if (secret == null) {
            if (Boolean.TRUE.equals(source.getSecretRef().getOptional())) {
              continue;
            }
            throw new ConfigError("secret \"" + name + "\" not found");
          }
          secretData(secret).forEach((k, v) -> putIfValidName(env, prefix + k, v));
        }
      }
    }
    if (container.getEnv() != null) {
      for (EnvVar variable : container.getEnv()) {
        String value;
        if (variable.getValueFrom() != null) {
          value = valueFrom(pod, container, variable.getValueFrom());
          if (value == null) {
            continue; // optional and missing
          }
        } else {
          value = expand(variable.getValue() == null ? "" : variable.getValue(), env);
        }
        env.put(variable.getName(), value);
      }
    }
    return env;
  }

  /**
   * The command line: container command replaces the image entrypoint (and drops its CMD);
   * container args replace CMD; {@code $(VAR)} expanded with the container's environment.
   */
  static List<String> commandLine(
      Container container, ImageRegistry.Image image, Map<String, String> env) {
    boolean hasCommand = container.getCommand() != null && !container.getCommand().isEmpty();
    boolean hasArgs = container.getArgs() != null && !container.getArgs().isEmpty();
    List<String> line = new ArrayList<>();
    line.addAll(hasCommand ? container.getCommand() : image.entrypoint());
    if (hasArgs) {
      line.addAll(container.getArgs());
    } else if (!hasCommand) {
      line.addAll(image.cmd());
    }
    line.replaceAll(part -> expand(part, env));
    return line;
  }

  /** Kubernetes {@code $(VAR)} expansion: known variables are replaced, {@code $$} escapes. */
  static String expand(String input, Map<String, String> env) {
    if (input.indexOf('$') < 0) {
      return input;
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < input.length()) {
      char c = input.charAt(i);
      if (c == '$' && i + 1 < input.length()) {
        char next = input.charAt(i + 1);
        if (next == '$') {
          out.append('$');
          i += 2;
          continue;
        }
        if (next == '(') {
          int close = input.indexOf(')', i + 2);
          if (close > 0) {
            String name = input.substring(i + 2, close);
            if (env.containsKey(name)) {
              out.append(env.get(name));
            } else {
              out.append(input, i, close + 1);
            }
            i = close + 1;
            continue;
          }
        }
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  private String valueFrom(Pod pod, Container container, EnvVarSource source) throws ConfigError {
    String namespace = pod.getMetadata().getNamespace();
    if (source.getSecretKeyRef() != null) {
      String name = source.getSecretKeyRef().getName();
      String key = source.getSecretKeyRef().getKey();
      boolean optional = Boolean.TRUE.equals(source.getSecretKeyRef().getOptional());
      Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
      if (secret == null) {
        if (optional) {
          return null;
        }
        throw new ConfigError("secret \"" + name + "\" not found");
      }
      String value = secretData(secret).get(key);
      if (value == null) {
        if (optional) {
          return null;
        }
        throw new ConfigError("couldn't find key " + key + " in Secret " + namespace + "/" + name);
      }
      return value;
    }
    if (source.getConfigMapKeyRef() != null) {
      String name = source.getConfigMapKeyRef().getName();
      String key = source.getConfigMapKeyRef().getKey();
      boolean optional = Boolean.TRUE.equals(source.getConfigMapKeyRef().getOptional());
      ConfigMap map = client.configMaps().inNamespace(namespace).withName(name).get();
      if (map == null) {
        if (optional) {
          return null;
        }
        throw new ConfigError("configmap \"" + name + "\" not found");
      }
      String value = map.getData() == null ? null : map.getData().get(key);
      if (value == null) {
        if (optional) {
          return null;
        }
        throw new ConfigError(
            "couldn't find key " + key + " in ConfigMap " + namespace + "/" + name);
      }
      return value;
    }
    if (source.getFieldRef() != null) {
      return field(pod, source.getFieldRef().getFieldPath());
    }
    if (source.getResourceFieldRef() != null) {
      return resource(container, source.getResourceFieldRef());
    }
    throw new ConfigError("unsupported valueFrom in container " + container.getName());
  }

  private static String field(Pod pod, String path) throws ConfigError {
    switch (path) {
      case "metadata.name":
        return pod.getMetadata().getName();
      case "metadata.namespace":
        return pod.getMetadata().getNamespace();
      case "metadata.uid":
        return pod.getMetadata().getUid();
      case "spec.nodeName":
        return FakeKubelet.NODE_NAME;
      case "spec.serviceAccountName":
        String account = pod.getSpec().getServiceAccountName();
        return account == null ? "default" : account;
      case "status.hostIP":
      case "status.hostIPs":
      case "status.podIP":
      case "status.podIPs":
        return FakeKubelet.POD_IP;
      default:
        Matcher matcher = FIELD_KEY.matcher(path);
        if (matcher.matches()) {
          Map<String, String> values =
              "labels".equals(matcher.group(1))
                  ? pod.getMetadata().getLabels()
                  : pod.getMetadata().getAnnotations();
          String value = values == null ? null : values.get(matcher.group(2));
          return value == null ? "" : value;
        }
        throw new ConfigError("unsupported fieldRef fieldPath " + path);
    }
  }

  private static String resource(Container container, ResourceFieldSelector selector)
      throws ConfigError {
    String name = selector.getResource();
    ResourceRequirements resources = container.getResources();
    Map<String, Quantity> limits =
        resources == null || resources.getLimits() == null ? Map.of() : resources.getLimits();
    Map<String, Quantity> requests =
        resources == null || resources.getRequests() == null ? Map.of() : resources.getRequests();
    Quantity quantity;
    boolean cpu;
    switch (name) {
      case "limits.cpu" -> {
        quantity = limits.get("cpu");
        cpu = true;
      }
      case "requests.cpu" -> {
        quantity = requests.get("cpu");
        cpu = true;
      }
      case "limits.memory" -> {
        quantity = limits.get("memory");
        cpu = false;
      }
      case "requests.memory" -> {
        quantity = requests.get("memory");
        cpu = false;
      }
      default -> throw new ConfigError("unsupported resourceFieldRef " + name);
    }
    BigDecimal amount;
    if (quantity != null) {
      amount = Quantity.getAmountInBytes(quantity);
    } else if (name.startsWith("limits.")) {
      amount =
          cpu
              ? BigDecimal.valueOf(Runtime.getRuntime().availableProcessors())
              : BigDecimal.valueOf(8L << 30);
    } else {
      amount = BigDecimal.ZERO;
    }
    BigDecimal divisor =
        selector.getDivisor() == null
            ? BigDecimal.ONE
            : Quantity.getAmountInBytes(selector.getDivisor());
    return amount.divide(divisor, 0, RoundingMode.CEILING).toPlainString();
  }

  /**
   * {@code data} decoded, plus {@code stringData} (the mock does not fold it into {@code data}).
   */
  static Map<String, String> secretData(Secret secret) {
    Map<String, String> values = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (k, v) ->
                  values.put(
                      k,
                      new String(
                          Base64.getDecoder().decode(v == null ? "" : v.trim()),
                          StandardCharsets.UTF_8)));
    }
    if (secret.getStringData() != null) {
      values.putAll(secret.getStringData()); // stringData wins, as when the API server merges it
    }
    return values;
  }

  private static void putIfValidName(Map<String, String> env, String name, String value) {
    if (ENV_NAME.matcher(name).matches()) {
      env.put(name, value == null ? "" : value);
    }
  }
}
