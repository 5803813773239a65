package dev.skiff.cli.internal;

/** ANSI colors, on only for a terminal and when {@code NO_COLOR} is unset. */
public final class Ansi {
  private static final String[] STEP_PALETTE = {
    "36", "35", "33", "34", "32", "96", "95", "93", "94", "92"
  };
  private final boolean enabled;

  public Ansi(boolean enabled) {
    this.enabled = enabled;
  }

  public static Ansi auto() {
    String term = System.getenv("TERM");
    return new Ansi(
        System.console() != null && System.getenv("NO_COLOR") == null && !"dumb".equals(term));
  }

  public boolean enabled() {
    return enabled;
  }

  public String bold(String s) {
    return wrap("1", s);
  }

  public String dim(String s) {
    return wrap("2", s);
  }

  public String red(String s) {
    return wrap("31", s);
  }

  public String green(String s) {
    return wrap("32", s);
  }

  public String yellow(String s) {
    return wrap("33", s);
  }

  /** A stable color per step index, so each step's lines are easy to follow. */
  public String step(int index, String s) {
    return wrap(STEP_PALETTE[Math.floorMod(index, STEP_PALETTE.length)], s);
  }

  public String status(String status) {
    return switch (status) {
      case "SUCCEEDED" -> green(status.toLowerCase());
      case "CACHED" -> wrap("36", status.toLowerCase());
      case "FAILED" -> red(status.toLowerCase());
      case "RUNNING", "PENDING", "STOPPING" -> yellow(status.toLowerCase());
      default -> dim(status.toLowerCase());
    };
  }

  private String wrap(String code, String s) {
    return enabled ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
  }
}
