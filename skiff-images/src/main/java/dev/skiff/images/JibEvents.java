package dev.skiff.images;

import com.google.cloud.tools.jib.api.JibEvent;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.event.progress.Allocation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Jib's events (sent from several threads) into {@link ImageEvent}s for one listener, and
 * remembers which blobs were uploaded and which the registry already had.
 */
public final class JibEvents implements Consumer<JibEvent> {
  private static final String PUSHING_BLOB = "pushing blob ";
  private static final Pattern SKIPPED =
      Pattern.compile("Skipping push; BLOB already exists.*?(sha256:[0-9a-f]{64})");

  private final Consumer<ImageEvent> listener;
  private final Map<String, Long> blobs = new ConcurrentHashMap<>();
  private final Set<String> skipped = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> uploaded = new ConcurrentHashMap<>();
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private double progress;
  private double lastReported = -1;

  public JibEvents(Consumer<ImageEvent> listener) {
    this.listener = listener;
  }

  @Override
  public void accept(JibEvent event) {
    if (event instanceof ProgressEvent p) {
      onProgress(p);
    } else if (event instanceof LogEvent log) {
      Matcher m = SKIPPED.matcher(log.getMessage());
      if (m.find()) {
        skipped.add(m.group(1));
        emit(new ImageEvent.BlobSkipped(m.group(1), blobs.getOrDefault(m.group(1), -1L)));
      }
      emit(new ImageEvent.Log(log.getLevel().name().toLowerCase(Locale.ROOT), log.getMessage()));
    }
  }

  /** Digests of uploaded blobs, in the order they were started; call after the build. */
  public List<String> pushedBlobs() {
    List<String> out = new ArrayList<>();
    blobs.keySet().stream().filter(d -> !skipped.contains(d)).sorted().forEach(out::add);
    return out;
  }

  public List<String> skippedBlobs() {
    return skipped.stream().sorted().toList();
  }

  /** Sends a {@link ImageEvent.BlobPushed} for each uploaded blob not reported yet. */
  public void finish() {
    for (String d : pushedBlobs()) {
      if (reported.add(d)) {
        emit(new ImageEvent.BlobPushed(d, blobs.get(d)));
      }
    }
  }

  private void onProgress(ProgressEvent p) {
    Allocation a = p.getAllocation();
    String description = a.getDescription();
    if (description != null && description.startsWith(PUSHING_BLOB)) {
      String digest = description.substring(PUSHING_BLOB.length()).trim();
      blobs.putIfAbsent(digest, a.getAllocationUnits());
      long done = uploaded.merge(digest, p.getUnits(), Long::sum);
      // a skipped blob is logged before its allocation completes, so a complete one not skipped was
      // uploaded
      if (a.getAllocationUnits() > 0
          && done >= a.getAllocationUnits()
          && !skipped.contains(digest)
          && reported.add(digest)) {
        emit(new ImageEvent.BlobPushed(digest, a.getAllocationUnits()));
      }
    }
    double report;
    synchronized (this) {
      if (a.getAllocationUnits() > 0) {
        progress += a.getFractionOfRoot() * p.getUnits() / a.getAllocationUnits();
      }
      double rounded = Math.min(1.0, Math.floor(progress * 100) / 100);
      if (rounded <= lastReported) {
        return;
      }
      lastReported = rounded;
      report = rounded;
    }
    emit(new ImageEvent.Progress(report));
  }

  private synchronized void emit(ImageEvent e) {
    listener.accept(e);
  }
}
