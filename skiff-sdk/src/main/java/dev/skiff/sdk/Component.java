package dev.skiff.sdk;

import java.io.Serializable;
import java.util.function.Function;

/**
 * A record component accessor such as {@code Split::xTrain}, used to pick one named output of a
 * multi-output step. Serializable so that Skiff can read the component's name.
 */
@FunctionalInterface
public interface Component<R, C> extends Function<R, C>, Serializable {}
