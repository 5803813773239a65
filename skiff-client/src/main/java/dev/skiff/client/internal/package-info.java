/**
 * Implementation details of the client: finding a Skiff home and opening its stores. No
 * compatibility promise.
 */
package dev.skiff.client.internal;
