/**
 * JDBC implementation details of the metadata store: connection handling, SQL, row mapping and
 * migrations. No compatibility promise: anything here may change or disappear in any release. Use
 * {@link dev.skiff.store.MetadataStores} instead.
 */
package dev.skiff.store.internal;
