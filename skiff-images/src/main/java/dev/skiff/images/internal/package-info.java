/** Implementation of the Jib image builder. No compatibility promise. */
package dev.skiff.images.internal;
