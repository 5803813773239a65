package dev.skiff.core.plan;

/**
 * What makes a step a map: its first input is the list of items (an output stored element by
 * element, {@code items[0]}, {@code items[1]}, …), and it runs as one instance per element ({@link
 * PlanStep#instance}), at most {@code maxParallelism} at once (0: no limit of its own).
 */
public record PlanMap(int maxParallelism) {}
