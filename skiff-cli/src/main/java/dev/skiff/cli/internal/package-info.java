/** Implementation of the skiff command. No compatibility promise. */
package dev.skiff.cli.internal;
