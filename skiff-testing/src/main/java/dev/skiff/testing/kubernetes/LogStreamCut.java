package dev.skiff.testing.kubernetes;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * An injected break of followed log streams (see {@link FakeCluster#cutLogStreams}): the next
 * {@code times} {@code pods/NAME/log?follow=true} streams of a pod whose name matches are cut after
 * {@code afterLines} lines by closing the connection mid-stream, without the chunked body's end, as
 * when the API server or the kubelet restarts. The container and its log go on.
 */
public final class LogStreamCut {
  private final Pattern pod;
  private final int afterLines;
  private final AtomicInteger remaining;
  private final AtomicInteger hits = new AtomicInteger();

  LogStreamCut(Pattern pod, int afterLines, int times) {
    this.pod = pod;
    this.afterLines = afterLines;
    this.remaining = new AtomicInteger(times);
  }

  /** Lines a cut stream delivers before it breaks. */
  public int afterLines() {
    return afterLines;
  }

  /** How many streams were cut so far. */
  public int hits() {
    return hits.get();
  }

  /** Cuts no more streams. */
  public void cancel() {
    remaining.set(0);
  }

  /** Consumes one cut if the stream's pod matches. */
  boolean tryHit(String podName) {
    if (!pod.matcher(podName).find()) {
      return false;
    }
    if (remaining.getAndUpdate(n -> n > 0 ? n - 1 : 0) <= 0) {
      return false;
    }
    hits.incrementAndGet();
    return true;
  }
}
