package dev.skiff.testing.kubernetes;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The captured stdout+stderr of one container: append-only bytes with followers. */
final class ContainerLog {

  /** Receives bytes appended after subscribing, then the end. Called with the log's lock held. */
  interface Listener {
    void onData(byte[] chunk);

    void onEnd();
  }

  /** What a follower gets: the content so far (tail-limited), and whether the log already ended. */
  record Subscription(byte[] initial, boolean ended, Runnable cancel) {}

  private byte[] data = new byte[1024];
  private int size;
  private boolean ended;
  private final List<Listener> listeners = new ArrayList<>();

  synchronized void append(byte[] chunk, int offset, int length) {
    if (ended || length <= 0) {
      return;
    }
    if (size + length > data.length) {
      data = Arrays.copyOf(data, Math.max(data.length * 2, size + length));
    }
    System.arraycopy(chunk, offset, data, size, length);
    size += length;
    byte[] copy = Arrays.copyOfRange(chunk, offset, offset + length);
    for (Listener listener : List.copyOf(listeners)) {
      listener.onData(copy);
    }
    notifyAll();
  }

  synchronized void end() {
    if (ended) {
      return;
    }
    ended = true;
    for (Listener listener : List.copyOf(listeners)) {
      listener.onEnd();
    }
    listeners.clear();
    notifyAll();
  }

  synchronized boolean ended() {
    return ended;
  }

  synchronized String text() {
    return new String(data, 0, size, StandardCharsets.UTF_8);
  }

  /** The last {@code tailLines} lines (all when null). */
  synchronized byte[] tail(Integer tailLines) {
    int from = tailLines == null ? 0 : tailOffset(data, size, tailLines);
    return Arrays.copyOfRange(data, from, size);
  }

  /** Atomically takes the content so far and registers {@code listener} for what follows. */
  synchronized Subscription follow(Integer tailLines, Listener listener) {
    byte[] initial = tail(tailLines);
    if (ended) {
      return new Subscription(initial, true, () -> {});
    }
    listeners.add(listener);
    return new Subscription(initial, false, () -> remove(listener));
  }

  /** Waits until the log ended; false on timeout. */
  synchronized boolean awaitEnd(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ended) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  private synchronized void remove(Listener listener) {
    listeners.remove(listener);
  }

  /** Offset of the first byte of the last {@code lines} lines of {@code data[0, size)}. */
  static int tailOffset(byte[] data, int size, int lines) {
    if (lines <= 0) {
      return size;
    }
    int end = size;
    if (end > 0 && data[end - 1] == '\n') {
      end--; // a trailing newline ends the last line, it does not start a new one
    }
    int found = 0;
    for (int i = end - 1; i >= 0; i--) {
      if (data[i] == '\n' && ++found == lines) {
        return i + 1;
      }
    }
    return 0;
  }
}
