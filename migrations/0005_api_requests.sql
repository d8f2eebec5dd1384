-- Requests from pipelines and scripts (POST /api/requests, issue 13).
-- A request nobody in Slack asked for has requester '' (the column is NOT NULL, and rebuilding the
-- table would be a risk for nothing: the store reads '' as "no Slack requester", i.e. null) and
-- says who asks in `source`: JSON {"name": "github-actions", "url"?: "https://…", "label"?: "deploy #123"}.
ALTER TABLE requests ADD COLUMN source TEXT;
-- Up to 10 named values shown with the request (Block Kit section fields): JSON {"Environment": "prod", …}.
ALTER TABLE requests ADD COLUMN fields TEXT;
-- The reason given with a cancel over the API, written with its claim, so a cancel whose event was
-- lost is still decided from D1 with its reason.
ALTER TABLE requests ADD COLUMN cancel_reason TEXT;

-- An API Idempotency-Key (key 'api:<key>'): the request it started and the SHA-256 of its canonical
-- body, so a retry with the same body finds the first request and a different body is refused.
-- Pruned with the audit trail (AUDIT_RETENTION), longer than any request can wait.
ALTER TABLE idempotency_keys ADD COLUMN request_id TEXT;
ALTER TABLE idempotency_keys ADD COLUMN body_hash TEXT;
