/**
 * PostgreSQL for tests: {@link dev.skiff.testing.postgres.PostgresServer}, a real server from
 * embedded binaries with one fresh database per test.
 */
package dev.skiff.testing.postgres;
