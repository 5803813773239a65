-- Failed attempts that spent each retry budget (the step's own, and the one for infrastructure
-- failures), so an orchestrator that restarts keeps them.
ALTER TABLE steps ADD COLUMN user_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE steps ADD COLUMN infra_failures INTEGER NOT NULL DEFAULT 0;
-- The token of the step's current attempt: only the attempt holding it may publish outputs.
ALTER TABLE steps ADD COLUMN attempt_token TEXT;
-- The orchestrator that owns a running run, until its lease expires unless renewed.
CREATE TABLE run_leases (
  run_id       TEXT   NOT NULL PRIMARY KEY,
  owner        TEXT   NOT NULL,
  renewed_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL
);
