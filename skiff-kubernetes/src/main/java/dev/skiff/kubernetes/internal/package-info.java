/** Implementation of the Kubernetes orchestrator. No compatibility promise. */
package dev.skiff.kubernetes.internal;
