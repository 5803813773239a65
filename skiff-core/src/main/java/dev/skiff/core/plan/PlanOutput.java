package dev.skiff.core.plan;

/** A named output of a step, its Java type and the materializer that stores it. */
public record PlanOutput(String name, String type, String materializer) {}
