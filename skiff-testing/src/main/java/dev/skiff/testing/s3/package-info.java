/**
 * An S3-compatible server for tests: {@link dev.skiff.testing.s3.S3Server}, s3proxy in this JVM
 * with a filesystem blob store, so tests can read the bytes the server stored. Test scope only.
 */
package dev.skiff.testing.s3;
