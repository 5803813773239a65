-- Runs, steps, artifacts and lineage. Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Instants are epoch milliseconds (BIGINT); enums are stored by name (TEXT).
-- Later versions (V2__stacks.sql, ...) add stacks, components and secrets; never edit this file.

CREATE TABLE runs (
  id           TEXT   NOT NULL PRIMARY KEY,
  pipeline     TEXT   NOT NULL,
  status       TEXT   NOT NULL,
  orchestrator TEXT,
  plan_hash    TEXT,
  plan_json    TEXT,
  created_at   BIGINT NOT NULL,
  ended_at     BIGINT,
  error        TEXT
);
CREATE INDEX runs_created_at ON runs (created_at);
CREATE INDEX runs_pipeline_created_at ON runs (pipeline, created_at);

-- seq keeps the order in which steps were first saved; an upsert never changes it.
CREATE TABLE steps (
  run_id      TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  seq         BIGINT  NOT NULL,
  status      TEXT    NOT NULL,
  attempt     INTEGER NOT NULL,
  cache_key   TEXT,
  cached_from TEXT,
  started_at  BIGINT,
  ended_at    BIGINT,
  error       TEXT,
  PRIMARY KEY (run_id, name)
);
-- covers the cache lookup: newest SUCCEEDED step of a key without sorting all its executions
CREATE INDEX steps_cache_key ON steps (cache_key, status, ended_at);
-- Makes MAX(seq) for a new step and listing a run's steps in order cheap for large runs.
CREATE INDEX steps_run_seq ON steps (run_id, seq);

CREATE TABLE artifacts (
  id           TEXT   NOT NULL PRIMARY KEY,
  run_id       TEXT,
  step         TEXT,
  name         TEXT,
  kind         TEXT   NOT NULL,
  type         TEXT,
  materializer TEXT,
  path         TEXT   NOT NULL,
  content_hash TEXT   NOT NULL,
  size         BIGINT NOT NULL,
  created_at   BIGINT
);
CREATE INDEX artifacts_run_id ON artifacts (run_id);
CREATE INDEX artifacts_created_at ON artifacts (created_at);

-- Which artifacts a step read ('in') and produced or reused ('out'): lineage and cache hits.
-- A cached step links artifacts of an older run, so artifact_id may belong to another run.
CREATE TABLE step_artifacts (
  run_id      TEXT NOT NULL,
  step        TEXT NOT NULL,
  direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  name        TEXT NOT NULL,
  artifact_id TEXT NOT NULL,
  PRIMARY KEY (run_id, step, direction, name)
);
CREATE INDEX step_artifacts_artifact_id ON step_artifacts (artifact_id);
