package dev.skiff.kubernetes.internal;

import dev.skiff.core.stack.ConfigException;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Cluster access: a kubeconfig context, the current context, or the in-cluster configuration of a
 * pod; and the translation of client errors into one-line messages that name the fix.
 */
public final class ClusterAccess {
  private ClusterAccess() {}

  /** A client for {@code context} (null: current context, or in-cluster inside a pod). */
  public static KubernetesClient connect(String context) {
    Config config;
    if (context == null || context.isBlank()) {
      config = Config.autoConfigure(null);
    } else {
      Config probe = Config.autoConfigure(null);
      List<NamedContext> contexts = probe.getContexts();
      if (contexts == null || contexts.stream().noneMatch(c -> c.getName().equals(context))) {
        String known =
            contexts == null || contexts.isEmpty()
                ? "none: is KUBECONFIG set?"
                : contexts.stream().map(NamedContext::getName).collect(Collectors.joining(", "));
        throw new ConfigException(
            "kubeconfig has no context '"
                + context
                + "' (contexts: "
                + known
                + "): fix kubernetesContext with 'skiff orchestrator update'");
      }
      config = Config.autoConfigure(context);
    }
    if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
      throw new ConfigException(
          "no Kubernetes cluster configured: set KUBECONFIG or kubernetesContext, or run inside a cluster");
    }
    config.setRequestRetryBackoffLimit(2);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /**
   * The orchestrator pod's client (in-cluster configuration), its requests limited by {@code
   * limiter} (watches and followed logs excepted): the run's {@code apiQps} and {@code apiBurst},
   * set on the limiter once the plan is read.
   */
  public static KubernetesClient inCluster(ApiRateLimiter limiter) {
    return rateLimited(Config.autoConfigure(null), limiter);
  }

  /** A client for {@code config} whose requests {@code limiter} paces. */
  public static KubernetesClient rateLimited(Config config, ApiRateLimiter limiter) {
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientBuilderConsumer(
            http ->
                http.addOrReplaceInterceptor(
                    RateLimitInterceptor.NAME, new RateLimitInterceptor(limiter)))
        .build();
  }

  /** A one-line reason for a failed API call, naming the likely fix. */
  public static ConfigException explain(
      KubernetesClientException e, String doing, String masterUrl) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof ConnectException
        || root instanceof UnknownHostException
        || root instanceof HttpTimeoutException
        || (e.getCode() <= 0 && root instanceof java.io.IOException)) {
      return new ConfigException(
          "cannot reach the Kubernetes API server at "
              + masterUrl
              + " while "
              + doing
              + " ("
              + root.getClass().getSimpleName()
              + (root.getMessage() == null ? "" : ": " + root.getMessage())
              + "): check kubernetesContext, your network or VPN",
          e);
    }
    if (e.getCode() == 401) {
      return new ConfigException(
          "the Kubernetes API server rejected the credentials while "
              + doing
              + " (401): refresh your kubeconfig login",
          e);
    }
    if (e.getCode() == 403) {
      return new ConfigException("not allowed while " + doing + " (403): " + status(e), e);
    }
    return new ConfigException(
        "Kubernetes API error while " + doing + " (" + e.getCode() + "): " + status(e), e);
  }

  static String status(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    String m = e.getMessage();
    return m == null ? "no details" : m.lines().findFirst().orElse(m);
  }
}
