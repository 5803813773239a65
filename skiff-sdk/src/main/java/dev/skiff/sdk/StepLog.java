package dev.skiff.sdk;

/**
 * Log of a running step. Lines are shown live (prefixed with the step name) and saved with the run,
 * so {@code skiff runs logs} shows them later. {@code {}} placeholders take the arguments.
 */
public interface StepLog {
  void info(String message, Object... args);

  void warn(String message, Object... args);

  void error(String message, Object... args);
}
