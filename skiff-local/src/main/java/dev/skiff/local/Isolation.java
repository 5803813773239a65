package dev.skiff.local;

/** Where the local orchestrator runs each step. */
public enum Isolation {
  /** A thread of the client JVM: fastest start, no isolation. Default. */
  THREAD,
  /** A JVM of its own per step attempt, like a pod: isolation at ~0.5 s start-up per step. */
  PROCESS
}
