package dev.skiff.artifacts.s3.internal;

import dev.skiff.core.spi.ArtifactStore;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A step log on a store without appends: the whole log is kept in memory (starting with what a
 * resumed step wrote before) and published as one object at most once per {@link #PUBLISH_EVERY}
 * while it changes, and at once on {@link #close()}. Appends after close are still taken and
 * published by the timer: a pod's log stream may drain after its step ended. Thread-safe.
 */
public final class LogAppender implements ArtifactStore.Appender {
  public static final Duration PUBLISH_EVERY = Duration.ofSeconds(1);

  /** Timer publishes that fail in a row before the appender waits for the next append or close. */
  static final int MAX_RETRIES = 30;

  /** One daemon thread publishes every log: puts are short, and it must never hold the JVM. */
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "skiff-s3-log-publisher");
            t.setDaemon(true);
            return t;
          });

  /** Reads and writes the whole log object. */
  public interface Blob {
    /** The current object, or an empty array when there is none. */
    byte[] read() throws IOException;

    void write(byte[] bytes, int length) throws IOException;
  }

  private final Blob blob;
  private final Object lock = new Object();

  /** Held while publishing, so an older snapshot never lands after a newer one. */
  private final Object publishing = new Object();

  private byte[] bytes = new byte[0];
  private int size;
  private boolean loaded;
  private boolean dirty;
  private boolean scheduled;
  private int failures;

  public LogAppender(Blob blob) {
    this.blob = blob;
  }

  @Override
  public void append(byte[] data) throws IOException {
    synchronized (lock) {
      load();
      if (size + data.length > bytes.length) {
        bytes =
            Arrays.copyOf(bytes, Math.max(size + data.length, Math.max(1024, 2 * bytes.length)));
      }
      System.arraycopy(data, 0, bytes, size, data.length);
      size += data.length;
      dirty = true;
      failures = 0;
      schedule();
    }
  }

  /** Publishes what was appended, now; later appends are still published by the timer. */
  @Override
  public void close() throws IOException {
    publish();
  }

  /** Publishes the log if it changed since the last publish. */
  void publish() throws IOException {
    synchronized (publishing) {
      byte[] snapshot;
      synchronized (lock) {
        if (!dirty) {
          return;
        }
        dirty = false;
        snapshot = Arrays.copyOf(bytes, size);
      }
      try {
        blob.write(snapshot, snapshot.length);
      } catch (IOException | RuntimeException e) {
        synchronized (lock) {
          dirty = true;
        }
        throw e;
      }
    }
  }

  /** Reads the existing log once, so a resumed step's earlier lines are kept. */
  private void load() throws IOException {
    if (!loaded) {
      byte[] existing = blob.read();
      bytes = Arrays.copyOf(existing, Math.max(existing.length, 1024));
      size = existing.length;
      loaded = true;
    }
  }

  private void schedule() {
    if (!scheduled) {
      scheduled = true;
      TIMER.schedule(this::publishByTimer, PUBLISH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void publishByTimer() {
    synchronized (lock) {
      scheduled = false;
    }
    try {
      publish();
    } catch (IOException | RuntimeException e) {
      synchronized (lock) {
        // the next append or close tries again; until then retry a while on the timer
        if (++failures < MAX_RETRIES) {
          schedule();
        }
      }
    }
  }
}
