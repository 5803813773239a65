package dev.skiff.images;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Prints an {@link ImageBuilder}'s events for a terminal: one line per uploaded or skipped blob
 * (short digest and size) and a progress line every 10%. Warnings and errors are printed too; other
 * log messages, and the HTTPS-to-HTTP fallback warnings of {@code insecure} registries, only when
 * {@code verbose}.
 */
public final class ImageProgressPrinter implements Consumer<ImageEvent> {
  private static final String INSECURE_FALLBACK = "Attempting again with";

  private final PrintStream out;
  private final boolean verbose;
  private int lastTenth = -1;

  public ImageProgressPrinter(PrintStream out, boolean verbose) {
    this.out = out;
    this.verbose = verbose;
  }

  @Override
  public synchronized void accept(ImageEvent event) {
    if (event instanceof ImageEvent.BlobPushed p) {
      out.println("  pushed  " + shortDigest(p.digest()) + "  " + size(p.bytes()));
    } else if (event instanceof ImageEvent.BlobSkipped s) {
      out.println("  exists  " + shortDigest(s.digest()) + "  " + size(s.bytes()) + " (skipped)");
    } else if (event instanceof ImageEvent.Progress p) {
      int tenth = (int) Math.floor(p.fraction() * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        out.println("  image   " + tenth * 10 + "%");
      }
    } else if (event instanceof ImageEvent.Log l
        && (verbose
            || l.level().equals("error")
            || l.level().equals("warn") && !l.message().contains(INSECURE_FALLBACK))) {
      out.println("  " + l.level() + ": " + l.message());
    }
  }

  static String shortDigest(String digest) {
    int colon = digest.indexOf(':');
    String hex = colon < 0 ? digest : digest.substring(colon + 1);
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  static String size(long bytes) {
    if (bytes < 0) {
      return "?";
    }
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f kB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
  }
}
