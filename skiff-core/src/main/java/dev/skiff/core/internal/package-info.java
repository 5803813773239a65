/** Implementation details of skiff-core. No compatibility promise: do not use from user code. */
package dev.skiff.core.internal;
