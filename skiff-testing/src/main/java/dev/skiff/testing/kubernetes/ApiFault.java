package dev.skiff.testing.kubernetes;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Injected API errors (see {@link FakeCluster#failNextRequests}): the next {@code times} requests
 * whose method and URI match answer with {@code statusCode} and a Kubernetes {@code Status} body
 * instead of reaching the API server.
 */
public final class ApiFault {
  private final String method;
  private final Pattern uri;
  private final int statusCode;
  private final AtomicInteger remaining;
  private final AtomicInteger hits = new AtomicInteger();

  ApiFault(String method, Pattern uri, int statusCode, int times) {
    this.method = method;
    this.uri = uri;
    this.statusCode = statusCode;
    this.remaining = new AtomicInteger(times);
  }

  /** The HTTP status the matching requests get. */
  public int statusCode() {
    return statusCode;
  }

  /** How many matching requests were failed so far. */
  public int hits() {
    return hits.get();
  }

  /** How many more matching requests will fail. */
  public int remaining() {
    return Math.max(0, remaining.get());
  }

  /** Stops failing requests. */
  public void cancel() {
    remaining.set(0);
  }

  /** Consumes one failure if the request matches. */
  boolean tryHit(String requestMethod, String requestUri) {
    if (method != null && !method.equalsIgnoreCase(requestMethod)) {
      return false;
    }
    if (!uri.matcher(requestUri).find()) {
      return false;
    }
    if (remaining.getAndUpdate(n -> n > 0 ? n - 1 : 0) <= 0) {
      return false;
    }
    hits.incrementAndGet();
    return true;
  }

  @Override
  public String toString() {
    return "ApiFault{"
        + (method == null ? "*" : method)
        + " "
        + uri
        + " -> "
        + statusCode
        + ", remaining="
        + remaining()
        + "}";
  }
}
