package dev.skiff.cli.internal;

/** Output of listing commands: a table for people or JSON for scripts. */
public enum OutputFormat {
  table,
  json
}
