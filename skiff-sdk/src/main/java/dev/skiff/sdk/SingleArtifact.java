package dev.skiff.sdk;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Stores a record returned by a step as one artifact (JSON) instead of one artifact per component.
 * Use it for values that only make sense whole, such as a trained model; leave it off for records
 * that bundle several outputs, such as a train/test split.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface SingleArtifact {}
