package dev.skiff.sdk;

/**
 * Something a step can take as an argument: an upstream step's output ({@link Out}) or a literal
 * parameter ({@link Param}). The type parameter lets the Java compiler check wiring.
 */
public interface Input<T> {}
