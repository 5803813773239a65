/**
 * Implementation details of the SDK shared with other Skiff modules. No compatibility promise: user
 * code must not depend on anything here.
 */
package dev.skiff.sdk.internal;
