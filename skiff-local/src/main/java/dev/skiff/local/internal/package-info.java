/** Implementation details of the local orchestrator. No compatibility promise. */
package dev.skiff.local.internal;
