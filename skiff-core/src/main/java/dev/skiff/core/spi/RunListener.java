package dev.skiff.core.spi;

import java.util.List;

/**
 * Receives run events; called from scheduler and launcher threads, so implementations are
 * thread-safe.
 */
@FunctionalInterface
public interface RunListener {
  RunListener NONE = event -> {};

  void onEvent(RunEvent event);

  static RunListener all(List<RunListener> listeners) {
    List<RunListener> copy = List.copyOf(listeners);
    return event -> copy.forEach(l -> l.onEvent(event));
  }
}
