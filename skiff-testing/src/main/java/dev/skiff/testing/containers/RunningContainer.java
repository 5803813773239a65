package dev.skiff.testing.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A container started by {@link Podman#start}: its output streams to the consumer given there,
 * {@link #waitFor()} gives its {@link ContainerExit}, {@link #stop}/{@link #kill()} end it early
 * and {@link #remove()} deletes it (which also kills it if still running). Thread-safe.
 */
public final class RunningContainer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PODMAN_ERROR = "Error: ";

  private final Podman podman;
  private final ContainerSpec spec;
  private final String name;
  private final Path cidFile;
  private final Process process;
  private final Consumer<String> output;
  private final long oomCounterBefore;
  private final Instant startedAt = Instant.now();
  private final long startNanos = System.nanoTime();
  private final Thread reader;
  private volatile long endNanos;
  private volatile boolean stopRequested;
  // A line starting "Error: " is held back until the next one: if it is podman's own last word
  // about a container that could not start, it is the exit's message, not container output.
  private volatile String heldBack;
  private ContainerExit exit;
  private boolean removed;

  RunningContainer(
      Podman podman,
      ContainerSpec spec,
      String name,
      Path cidFile,
      Process process,
      Consumer<String> output,
      long oomCounterBefore) {
    this.podman = podman;
    this.spec = spec;
    this.name = name;
    this.cidFile = cidFile;
    this.process = process;
    this.output = output;
    this.oomCounterBefore = oomCounterBefore;
    process.onExit().thenRun(() -> endNanos = System.nanoTime());
    this.reader = new Thread(this::pump, "container-output-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** The container name in podman. */
  public String name() {
    return name;
  }

  public ContainerSpec spec() {
    return spec;
  }

  /**
   * Podman's container id, once podman created the container (empty before, or if it never did).
   */
  public Optional<String> id() {
    try {
      String id = Files.exists(cidFile) ? Files.readString(cidFile).trim() : "";
      return id.isEmpty() ? Optional.empty() : Optional.of(id);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** When {@link Podman#start} launched it. */
  public Instant startedAt() {
    return startedAt;
  }

  public boolean isRunning() {
    return process.isAlive();
  }

  /** Waits for the end; all output lines have been delivered when it returns. */
  public ContainerExit waitFor() throws InterruptedException {
    int code = process.waitFor();
    reader.join();
    synchronized (this) {
      if (exit == null) {
        exit = classify(code);
      }
      return exit;
    }
  }

  /** {@link #waitFor()} for at most {@code timeout}; empty if still running. */
  public Optional<ContainerExit> waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return Optional.empty();
    }
    return Optional.of(waitFor());
  }

  /**
   * Sends SIGTERM, then SIGKILL after {@code grace} (whole seconds, rounded up), as a kubelet ends
   * a container; returns once podman has done so. The exit is {@link ContainerExit.Reason#STOPPED}.
   * No-op once it ended.
   */
  public void stop(Duration grace) {
    stopRequested = true;
    if (!process.isAlive()) {
      return;
    }
    long seconds = (grace.toMillis() + 999) / 1000;
    Optional<String> id = awaitCreated();
    if (id.isPresent()) {
      endedOrFail(podman.exec(List.of("stop", "--time", Long.toString(seconds), id.get())), "stop");
    }
  }

  /** Sends SIGKILL (exit 137, {@link ContainerExit.Reason#STOPPED}). No-op once it ended. */
  public void kill() {
    stopRequested = true;
    if (!process.isAlive()) {
      return;
    }
    Optional<String> id = awaitCreated();
    if (id.isPresent()) {
      endedOrFail(podman.exec(List.of("kill", "--signal", "KILL", id.get())), "kill");
    }
  }

  /**
   * Deletes the container (killing it first if it still runs) and its writable layer and mounts.
   * Idempotent.
   */
  public synchronized void remove() {
    if (removed) {
      return;
    }
    if (process.isAlive()) {
      stopRequested = true;
    } else if (exit == null) {
      try {
        waitFor(); // read the exit while the container can still be inspected
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PodmanException("interrupted removing container " + name, e);
      }
    }
    Podman.Result r = null;
    try {
      Optional<String> id = awaitCreated();
      if (id.isPresent()) {
        r = podman.exec(List.of("rm", "--force", "--time", "0", id.get()));
      }
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      reader.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PodmanException("interrupted removing container " + name, e);
    }
    removed = true;
    podman.forget(this);
    try {
      Files.deleteIfExists(cidFile);
    } catch (IOException e) {
      // a stale id file is tidied with its JVM's folder
    }
    if (r != null && r.exitCode() != 0 && !r.stderr().contains("no such container")) {
      throw new PodmanException("podman rm " + name + ": " + r.errorLine());
    }
  }

  @Override
  public String toString() {
    return "RunningContainer{" + name + ", image=" + spec.image() + "}";
  }

  /**
   * The id once podman created the container, or empty if podman run ended without. Without an id
   * file while podman run still works, the container is not created yet: a stop or removal now
   * would miss the one it is about to start.
   */
  private Optional<String> awaitCreated() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try {
      while (id().isEmpty() && process.isAlive() && System.nanoTime() < deadline) {
        process.waitFor(20, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PodmanException("interrupted waiting for container " + name, e);
    }
    return id();
  }

  private void pump() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String held = heldBack;
        if (held != null) {
          heldBack = null;
          deliver(held);
        }
        if (line.startsWith(PODMAN_ERROR)) {
          heldBack = line;
        } else {
          deliver(line);
        }
      }
    } catch (IOException e) {
      deliver("(container output unreadable: " + e + ")");
    }
  }

  private void deliver(String line) {
    try {
      output.accept(line);
    } catch (RuntimeException e) {
      // a failing consumer must not stop the pipe from draining
    }
  }

  private ContainerExit classify(int code) {
    Duration runTime =
        Duration.ofNanos((endNanos == 0 ? System.nanoTime() : endNanos) - startNanos);
    String held = heldBack;
    if (code >= 125 && code <= 127) {
      // podman's own failures use these codes too: ask what happened to the container
      String podmanMessage =
          held != null ? held.substring(PODMAN_ERROR.length()) : "podman exited " + code;
      Optional<String> id = id();
      Podman.Result r =
          id.isEmpty() ? null : podman.exec(List.of("container", "inspect", id.get()));
      if (r == null || r.exitCode() != 0) {
        heldBack = null; // never created: a bad mount, a name in use...
        return new ContainerExit(code, ContainerExit.Reason.START_ERROR, podmanMessage, runTime);
      }
      JsonNode state;
      try {
        state = JSON.readTree(r.stdout()).path(0).path("State");
      } catch (IOException e) {
        throw new PodmanException("cannot parse podman container inspect " + name, e);
      }
      String status = state.path("Status").asText("");
      if (status.equals("created")
          || status.equals("configured")
          || state.path("StartedAt").asText("").startsWith("0001-01-01")) {
        heldBack = null;
        String error = state.path("Error").asText("");
        return new ContainerExit(
            code,
            ContainerExit.Reason.START_ERROR,
            error.isEmpty() ? podmanMessage : error,
            runTime);
      }
      if (status.equals("running")) {
        // podman run lost the attach; the container goes on: wait for it
        Podman.Result w = podman.exec(List.of("wait", id.get()));
        code = w.exitCode() == 0 ? Integer.parseInt(w.stdout().trim()) : code;
      } else {
        code = state.path("ExitCode").asInt(code);
      }
    }
    if (held != null) {
      heldBack = null;
      deliver(held);
    }
    ContainerExit.Reason reason;
    if (stopRequested) {
      reason = ContainerExit.Reason.STOPPED;
    } else if (code == 137
        && spec.podCgroup() != null
        && spec.podCgroup().oomCounter() > oomCounterBefore) {
      reason = ContainerExit.Reason.OOM_KILLED;
    } else {
      reason = code == 0 ? ContainerExit.Reason.COMPLETED : ContainerExit.Reason.ERROR;
    }
    return new ContainerExit(code, reason, "", runTime);
  }

  private void endedOrFail(Podman.Result r, String what) {
    if (r.exitCode() == 0) {
      return;
    }
    try {
      process.waitFor(2, TimeUnit.SECONDS); // it may have ended just before podman looked
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (process.isAlive()) {
      throw new PodmanException("podman " + what + " " + name + ": " + r.errorLine());
    }
  }
}
