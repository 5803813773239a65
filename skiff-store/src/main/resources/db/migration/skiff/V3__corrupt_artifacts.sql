-- Artifacts whose bytes no longer match their content hash, or that are gone from the artifact
-- store. Cache lookups skip every execution that produced one, so its producer runs again.
CREATE TABLE corrupt_artifacts (
  artifact_id TEXT   NOT NULL PRIMARY KEY,
  marked_at   BIGINT NOT NULL
);
