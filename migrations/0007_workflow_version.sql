-- The workflow version each request's instance was created with (src/workflows/versions.ts), so an
-- operator can list waiting instances by version (GET /api/instances, npm run instances) and remove
-- the code of a version only when none of its instances is left. Additive, with a default: code
-- deployed before this column keeps inserting rows, and every row it writes, like every row
-- recorded before, belongs to version 1 (all instances created before versions existed are).
ALTER TABLE requests ADD COLUMN workflow_version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX requests_by_version ON requests (status, workflow_version);
