package dev.skiff.core;

/** Receives the lines a running step logs or prints. Thread-safe. */
@FunctionalInterface
public interface StepLogSink {
  StepLogSink DISCARD = line -> {};

  void line(String line);
}
