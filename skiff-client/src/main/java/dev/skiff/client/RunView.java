package dev.skiff.client;

import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.RunStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A recorded run, as read when it was opened (open it again to see a running run move on). Its
 * steps are read from the store on each call.
 */
public final class RunView {
  private final RunRecord run;
  private final MetadataStore store;
  private final Artifacts artifacts;

  RunView(RunRecord run, MetadataStore store, Artifacts artifacts) {
    this.run = run;
    this.store = store;
    this.artifacts = artifacts;
  }

  public String id() {
    return run.id();
  }

  public String pipeline() {
    return run.pipeline();
  }

  public RunStatus status() {
    return run.status();
  }

  public Instant createdAt() {
    return run.createdAt();
  }

  /** Empty while the run is running. */
  public Optional<Instant> endedAt() {
    return Optional.ofNullable(run.endedAt());
  }

  /** From creation to end; empty while the run is running. */
  public Optional<Duration> duration() {
    return endedAt().map(end -> Duration.between(run.createdAt(), end));
  }

  /** The run's error (of its first failure); empty unless it failed. */
  public Optional<String> error() {
    return Optional.ofNullable(run.error());
  }

  /**
   * Every step of the run in the order they were first recorded, map instances ({@code trainer[0]},
   * {@code trainer[1]} …) and hooks included.
   */
  public List<StepView> steps() {
    return store.listSteps(run.id()).stream().map(this::view).toList();
  }

  /** The step named {@code name} (a map instance is {@code name[i]}). */
  public StepView step(String name) {
    Objects.requireNonNull(name, "name");
    return store
        .findStep(run.id(), name)
        .map(this::view)
        .orElseThrow(
            () ->
                new SkiffClientException(
                    "run "
                        + run.id()
                        + " of '"
                        + run.pipeline()
                        + "' has no step '"
                        + name
                        + "': its steps are "
                        + store.listSteps(run.id()).stream()
                            .map(StepRecord::name)
                            .collect(Collectors.joining(", "))));
  }

  @Override
  public String toString() {
    return "RunView[" + run.id() + ", " + run.pipeline() + ", " + run.status() + "]";
  }

  private StepView view(StepRecord step) {
    return new StepView(step, () -> store.stepOutputs(run.id(), step.name()), artifacts);
  }
}
