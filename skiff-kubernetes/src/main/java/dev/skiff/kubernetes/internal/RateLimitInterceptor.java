package dev.skiff.kubernetes.internal;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;

/**
 * Applies an {@link ApiRateLimiter} to every request of a fabric8 client before it is sent, retries
 * included, except long-lived ones: watches and followed logs are one request each for as long as
 * they stay open, and holding them back would only delay what the orchestrator learns.
 *
 * <p>fabric8 calls {@code before} on the thread that sends the request, which then waits for its
 * token, as client-go's throttled requests do. The one thread that must never wait is an event loop
 * of the HTTP client (Vert.x): there the request takes its token without waiting, and the callers
 * after it wait for it instead. A retry of a failed request (5xx, I/O error) is sent from fabric8's
 * scheduler thread, which then waits too: rare, and never longer than the queue ahead of it.
 */
final class RateLimitInterceptor implements Interceptor {
  static final String NAME = "skiff-api-rate-limit";

  private final ApiRateLimiter limiter;

  RateLimitInterceptor(ApiRateLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if (longLived(request.uri().getRawQuery())) {
      return;
    }
    if (Thread.currentThread().getName().startsWith("vert.x-eventloop")) {
      limiter.reserve();
      return;
    }
    try {
      limiter.acquire();
    } catch (InterruptedException e) {
      // the caller is being stopped: send at once and let it see its interrupt
      Thread.currentThread().interrupt();
    }
  }

  /** Watches ({@code watch=true}, WebSocket or HTTP) and followed logs ({@code follow=true}). */
  static boolean longLived(String query) {
    if (query == null) {
      return false;
    }
    for (String part : query.split("&")) {
      if (part.equals("watch=true") || part.equals("watch=1") || part.equals("follow=true")) {
        return true;
      }
    }
    return false;
  }
}
