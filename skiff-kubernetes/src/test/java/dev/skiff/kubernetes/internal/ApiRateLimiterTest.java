package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The token bucket on a simulated clock: sleeping advances it, nothing waits for real. */
class ApiRateLimiterTest {
  static final long SECOND = 1_000_000_000L;

  /** A clock that only moves when a caller sleeps or the test says so. */
  static final class SimulatedTime {
    long now = 5 * SECOND;

    ApiRateLimiter limiter() {
      return new ApiRateLimiter(() -> now, nanos -> now += nanos);
    }
  }

  /** When each of {@code n} requests in a row may be sent. */
  static List<Long> sendTimes(SimulatedTime time, ApiRateLimiter limiter, int n)
      throws InterruptedException {
    List<Long> at = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      limiter.acquire();
      at.add(time.now);
    }
    return at;
  }

  /** The most send times in any window of {@code window} nanoseconds. */
  static int mostInWindow(List<Long> times, long window) {
    int most = 0;
    for (int i = 0; i < times.size(); i++) {
      int count = 0;
      for (long t : times) {
        if (t >= times.get(i) && t < times.get(i) + window) {
          count++;
        }
      }
      most = Math.max(most, count);
    }
    return most;
  }

  @Test
  void aBurstGoesAtOnceThenRequestsFollowAtTheRate() throws InterruptedException {
    SimulatedTime time = new SimulatedTime();
    ApiRateLimiter limiter = time.limiter();
    limiter.setRate(10, 5);
    long start = time.now;

    List<Long> at = sendTimes(time, limiter, 25);

    assertThat(at.subList(0, 5)).containsOnly(start);
    // then one every 100 ms: 20 more take 2 s
    assertThat(at.get(5) - start).isEqualTo(SECOND / 10);
    assertThat(at.get(24) - start).isEqualTo(2 * SECOND);
    assertThat(mostInWindow(at, SECOND)).isLessThanOrEqualTo(5 + 10);
    assertThat(mostInWindow(at, 3 * SECOND)).isLessThanOrEqualTo(5 + 30);
  }

  @Test
  void aQuietSpellRefillsTheBucketOnlyUpToTheBurst() throws InterruptedException {
    SimulatedTime time = new SimulatedTime();
    ApiRateLimiter limiter = time.limiter();
    limiter.setRate(2, 3);
    sendTimes(time, limiter, 10);

    time.now += 60 * SECOND; // a minute of quiet is worth 120 tokens, the bucket holds 3
    long start = time.now;
    List<Long> at = sendTimes(time, limiter, 5);

    assertThat(at.subList(0, 3)).containsOnly(start);
    assertThat(at.get(3) - start).isEqualTo(SECOND / 2);
    assertThat(at.get(4) - start).isEqualTo(SECOND);
  }

  @Test
  void callersThatCannotWaitStillSpendTokensSoTheRateHolds() {
    SimulatedTime time = new SimulatedTime();
    ApiRateLimiter limiter = time.limiter();
    limiter.setRate(10, 2);

    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      waits.add(limiter.reserve());
    }

    // each reservation is due 100 ms after the one before it, however many come at once
    assertThat(waits)
        .containsExactly(0L, 0L, SECOND / 10, 2 * SECOND / 10, 3 * SECOND / 10, 4 * SECOND / 10);
  }

  @Test
  void zeroQpsMeansNoLimitAndIsTheStartingState() throws InterruptedException {
    SimulatedTime time = new SimulatedTime();
    ApiRateLimiter limiter = time.limiter();
    long start = time.now;

    assertThat(limiter.limited()).isFalse();
    assertThat(sendTimes(time, limiter, 1000)).containsOnly(start);

    limiter.setRate(1, 1);
    sendTimes(time, limiter, 3);
    assertThat(time.now - start).isEqualTo(2 * SECOND);

    limiter.setRate(0, 0);
    long now = time.now;
    assertThat(sendTimes(time, limiter, 1000)).containsOnly(now);
  }

  @Test
  void badRatesAreRefused() {
    ApiRateLimiter limiter = new SimulatedTime().limiter();
    assertThatThrownBy(() -> limiter.setRate(-1, 10))
        .hasMessage("apiQps must be 0 (no limit) or positive, got -1.0");
    assertThatThrownBy(() -> limiter.setRate(5, 0))
        .hasMessage("apiBurst must be at least 1, got 0");
  }

  @Test
  void theInterceptorWaitsOnCallerThreadsButNeverOnAnEventLoop() throws Exception {
    SimulatedTime time = new SimulatedTime();
    List<Long> slept = new java.util.concurrent.CopyOnWriteArrayList<>();
    ApiRateLimiter limiter = new ApiRateLimiter(() -> time.now, slept::add);
    limiter.setRate(1, 1);
    var interceptor = new RateLimitInterceptor(limiter);
    var create =
        new io.fabric8.kubernetes.client.http.StandardHttpRequest.Builder()
            .uri("https://api/api/v1/namespaces/skiff/pods")
            .build();
    var watch =
        new io.fabric8.kubernetes.client.http.StandardHttpRequest.Builder()
            .uri("https://api/api/v1/namespaces/skiff/pods?labelSelector=run%3Dr&watch=true")
            .build();

    interceptor.before(null, create, null); // the burst's token
    interceptor.before(null, watch, null); // not counted
    interceptor.before(null, create, null); // waits a second
    Thread loop =
        new Thread(() -> interceptor.before(null, create, null), "vert.x-eventloop-thread-0");
    loop.start();
    loop.join();

    assertThat(slept).containsExactly(SECOND);
    // the event loop took the next token without waiting: the next caller waits for two
    assertThat(limiter.reserve()).isEqualTo(3 * SECOND);
  }

  @Test
  void watchesAndFollowedLogsAreNotCounted() {
    assertThat(RateLimitInterceptor.longLived("labelSelector=run%3Dx&watch=true")).isTrue();
    assertThat(RateLimitInterceptor.longLived("container=main&follow=true")).isTrue();
    assertThat(RateLimitInterceptor.longLived("labelSelector=run%3Dx")).isFalse();
    assertThat(RateLimitInterceptor.longLived("pretty=false")).isFalse();
    assertThat(RateLimitInterceptor.longLived(null)).isFalse();
  }
}
