package dev.skiff.core.spi;

/** Receives the lines a running step logs or prints. Thread-safe. */
@FunctionalInterface
public interface StepLogSink {
  StepLogSink DISCARD = line -> {};

  void line(String line);
}
