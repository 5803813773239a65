package dev.skiff.core.spi;

import dev.skiff.sdk.FailureKind;
import java.util.Objects;

/**
 * A step attempt failed; the message is what users see next to the step (one line), the same on
 * every executor, and the kind decides whether the retry policy tries again.
 */
public final class StepFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final FailureKind kind;

  /** A failure of the step's own code. */
  public StepFailedException(String message) {
    this(FailureKind.USER_CODE, message, null);
  }

  /** A failure of the step's own code. */
  public StepFailedException(String message, Throwable cause) {
    this(FailureKind.USER_CODE, message, cause);
  }

  public StepFailedException(FailureKind kind, String message) {
    this(kind, message, null);
  }

  public StepFailedException(FailureKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public FailureKind kind() {
    return kind;
  }

  /**
   * The one line a step process or pod reports its failure with, {@code KIND message}, so the
   * launcher that reads it rebuilds the same failure ({@link #fromReport}).
   */
  public String report() {
    return kind.name() + " " + getMessage();
  }

  /** Reads a {@link #report()}; text without a known kind is a user-code failure with that text. */
  public static StepFailedException fromReport(String report) {
    int space = report.indexOf(' ');
    if (space > 0) {
      try {
        return new StepFailedException(
            FailureKind.valueOf(report.substring(0, space)), report.substring(space + 1));
      } catch (IllegalArgumentException notAKind) {
        // a plain message
      }
    }
    return new StepFailedException(FailureKind.USER_CODE, report);
  }

  /**
   * The failure {@code t} stands for: itself, or a user-code failure named by its class and
   * message.
   */
  public static StepFailedException of(Throwable t) {
    Throwable cause =
        t instanceof java.util.concurrent.CompletionException && t.getCause() != null
            ? t.getCause()
            : t;
    if (cause instanceof StepFailedException f) {
      return f;
    }
    return new StepFailedException(FailureKind.USER_CODE, describe(cause), cause);
  }

  /**
   * {@link #of} for a step process or pod that ends on {@code t}: a failure of Skiff's own code
   * around the step (not the step's, whose trace the executor logged) gets its trace printed to
   * {@code stepLog} first, so the step log keeps it.
   */
  public static StepFailedException ofLogged(Throwable t, java.io.PrintStream stepLog) {
    StepFailedException failure = of(t);
    if (failure != t) {
      t.printStackTrace(stepLog);
    }
    return failure;
  }

  /** {@code SimpleName: first line of the message}, as users know exceptions from stack traces. */
  public static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName()
        + (m == null || m.isBlank() ? "" : ": " + m.lines().findFirst().orElse(""));
  }
}
