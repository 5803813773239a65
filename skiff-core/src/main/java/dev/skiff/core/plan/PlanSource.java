package dev.skiff.core.plan;

/**
 * An output a step reads other than through a plain input: an element of a fan-in ({@code output}
 * null for a whole record or a map's list) or a condition ({@code output} always named).
 */
public record PlanSource(String step, String output) {}
