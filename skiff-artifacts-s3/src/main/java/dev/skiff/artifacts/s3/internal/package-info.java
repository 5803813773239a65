/**
 * Implementation of the {@code s3} artifact store: client construction, streamed multipart writes,
 * buffered log appenders, error messages. No compatibility promise: do not use from user code.
 */
package dev.skiff.artifacts.s3.internal;
