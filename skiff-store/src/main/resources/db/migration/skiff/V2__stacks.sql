-- Components, stacks, secrets and project settings. Portable SQL: runs unchanged on SQLite and
-- PostgreSQL. Instants are epoch milliseconds (BIGINT); component types are stored by enum name
-- (TEXT), so new types need no new columns. Plain storage: no foreign keys, the rules (a stack's
-- components exist, a used component cannot be deleted) are checked above the store.
-- Never edit this file once released; add V3__... instead.

-- config is the component's configuration as a JSON object; secret references are kept as
-- "{{secret.NAME.KEY}}" strings, never resolved values.
CREATE TABLE components (
  type       TEXT   NOT NULL,
  name       TEXT   NOT NULL,
  flavor     TEXT   NOT NULL,
  config     TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT,
  PRIMARY KEY (type, name)
);

CREATE TABLE stacks (
  name       TEXT   NOT NULL PRIMARY KEY,
  created_at BIGINT NOT NULL,
  updated_at BIGINT
);

-- The component of each type a stack uses, by name: one row per (stack, type).
CREATE TABLE stack_components (
  stack     TEXT NOT NULL,
  type      TEXT NOT NULL,
  component TEXT NOT NULL,
  PRIMARY KEY (stack, type)
);
-- Finds the stacks that use a component (e.g. before deleting it).
CREATE INDEX stack_components_component ON stack_components (type, component);

-- encrypted_values is a JSON object of key to ciphertext (base64 of nonce and AES-GCM output);
-- the store never sees plain values.
CREATE TABLE secrets (
  name             TEXT   NOT NULL PRIMARY KEY,
  encrypted_values TEXT   NOT NULL,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT
);

-- Project-wide settings, e.g. active_stack.
CREATE TABLE project_settings (
  key   TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);
