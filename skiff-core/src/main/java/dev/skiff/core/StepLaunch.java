package dev.skiff.core;

/** One attempt of a step to start: the plan, the run, the step, the attempt number, its log. */
public record StepLaunch(RunPlan plan, String runId, PlanStep step, int attempt, StepLogSink log) {}
