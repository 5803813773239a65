package dev.skiff.kubernetes.internal;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Follows the log of a Skiff pod's container to its end. A stream that ends while the container
 * still runs, or breaks off (a dropped connection, an API server or kubelet restart), is opened
 * again, and the lines already delivered are skipped, so every line arrives once and in order; a
 * line is delivered only once its line break arrived, so a stream cut mid-line never delivers half
 * of it. Lines are counted rather than resumed with {@code sinceTime}: its one-second granularity
 * would repeat or lose the lines written in the second of the break. The container's end is judged
 * from {@code current} (an informer's cache, no request): a stream that ends cleanly with the
 * container is done. (After the kubelet rotated a long log, a reconnect may miss the lines of the
 * rotated part.)
 */
final class LogFollow {
  private static final int MAX_RECONNECTS = 30;

  private LogFollow() {}

  /**
   * Delivers the lines of {@code pod}'s container to {@code lines}; returns when the container has
   * ended and its log is read, the pod is gone, or the stream broke {@value #MAX_RECONNECTS} times
   * in a row (then {@code problems} hears why).
   *
   * @param current the pod as last seen (null once it is gone)
   */
  static void follow(
      KubernetesClient client,
      String namespace,
      String pod,
      Supplier<Pod> current,
      Consumer<String> lines,
      Consumer<String> problems) {
    long delivered = 0;
    String lastError = null;
    for (int reconnects = 0; reconnects <= MAX_RECONNECTS; reconnects++) {
      long index = 0;
      boolean gotLines = false;
      boolean broken = false;
      StringBuilder partial = new StringBuilder();
      InputStream stream = null;
      boolean endOfStream = false;
      try {
        stream = open(client, namespace, pod);
        Reader in = new InputStreamReader(stream, StandardCharsets.UTF_8);
        char[] buffer = new char[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
          for (int i = 0; i < n; i++) {
            if (buffer[i] != '\n') {
              partial.append(buffer[i]);
              continue;
            }
            if (index++ >= delivered) { // else read before the stream broke
              lines.accept(withoutCarriageReturn(partial));
              delivered++;
              gotLines = true;
            }
            partial.setLength(0);
          }
        }
        endOfStream = true;
      } catch (PodGone e) {
        return; // the pod is gone, and its log with it
      } catch (IOException | KubernetesClientException e) {
        lastError = e.getMessage();
        broken = true; // cut off (an API server or kubelet restart): more may follow, read again
      } finally {
        // Closing a stream fabric8 already read to its end resets the request, which closes the
        // connection; left alone, the connection goes back to the pool and the next step's log
        // needs no new TLS handshake. A stream given up early is closed, and its connection goes.
        if (!endOfStream) {
          closeQuietly(stream);
        }
      }
      // A stream that ended cleanly with the container holds the whole log; one that broke may
      // not, so it is read again (skipping what was delivered) until it ends cleanly.
      if (!broken && ended(current, Duration.ofSeconds(2))) {
        if (partial.length() > 0 && index >= delivered) {
          lines.accept(withoutCarriageReturn(partial)); // a last line without a line break
        }
        return;
      }
      if (Thread.currentThread().isInterrupted()) {
        return; // the follower is being stopped
      }
      if (gotLines) {
        reconnects = 0;
      }
      sleep(Duration.ofMillis(Math.min(2000, 100L * (reconnects + 1))));
    }
    problems.accept(
        "log stream of pod "
            + pod
            + " keeps breaking"
            + (lastError == null ? "" : ": " + lastError)
            + "; the rest of its log is saved with the run");
  }

  private static String withoutCarriageReturn(StringBuilder line) {
    int end = line.length();
    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
  }

  /**
   * True once the pod is gone or its container terminated, waiting up to {@code grace} for the
   * cache to show it.
   */
  private static boolean ended(Supplier<Pod> current, Duration grace) {
    long end = System.nanoTime() + grace.toNanos();
    while (true) {
      if (terminated(current.get())) {
        return true;
      }
      if (System.nanoTime() > end) {
        return false;
      }
      sleep(Duration.ofMillis(20));
    }
  }

  static boolean terminated(Pod pod) {
    if (pod == null || pod.getStatus() == null) {
      return pod == null;
    }
    String phase = pod.getStatus().getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
      return true;
    }
    for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
      if (Manifests.CONTAINER.equals(cs.getName())
          && cs.getState() != null
          && cs.getState().getTerminated() != null) {
        return true;
      }
    }
    return false;
  }

  /** The pod is gone (404): there is no log left to read. */
  private static final class PodGone extends IOException {
    PodGone() {
      super("pod gone");
    }
  }

  /**
   * One request: {@code GET .../pods/NAME/log?container=main&follow=true} with the client's HTTP
   * client (its credentials and TLS). fabric8's {@code watchLog()} would first wait for the pod to
   * be ready or terminated, which costs a list of pods per stream even with no wait; the caller
   * knows the container has started.
   */
  private static InputStream open(KubernetesClient client, String namespace, String pod)
      throws IOException {
    String base = client.getMasterUrl().toString();
    String url =
        (base.endsWith("/") ? base : base + "/")
            + "api/v1/namespaces/"
            + namespace
            + "/pods/"
            + pod
            + "/log?container="
            + Manifests.CONTAINER
            + "&follow=true";
    HttpClient http = client.getHttpClient();
    HttpResponse<InputStream> response;
    try {
      response =
          http.sendAsync(http.newHttpRequestBuilder().uri(url).build(), InputStream.class).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause() == null ? e.getMessage() : e.getCause().getMessage(), e);
    }
    if (response.code() == 404) {
      closeQuietly(response.body());
      throw new PodGone();
    }
    if (!response.isSuccessful()) {
      closeQuietly(response.body());
      throw new IOException("log request answered " + response.code());
    }
    return response.body();
  }

  private static void closeQuietly(InputStream in) {
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        // nothing to read from it anyway
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
