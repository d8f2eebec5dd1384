-- Request types from the policy, quorum voting, expiry and the action (child workflow) state.
ALTER TABLE requests ADD COLUMN type TEXT NOT NULL DEFAULT 'default';
ALTER TABLE requests ADD COLUMN quorum INTEGER NOT NULL DEFAULT 1;
-- The levels reached so far, as JSON [{"approvers": [...], "quorum": n}]: an approval decides when
-- the approver's own level has its quorum (approvals counted within that level only).
ALTER TABLE requests ADD COLUMN level_groups TEXT NOT NULL DEFAULT '[]';
ALTER TABLE requests ADD COLUMN allow_self INTEGER NOT NULL DEFAULT 0;
-- When the whole chain has run out; the maintenance workflow ends instances stuck past it.
ALTER TABLE requests ADD COLUMN expires_at TEXT;
ALTER TABLE requests ADD COLUMN action_status TEXT CHECK (action_status IN ('running', 'succeeded', 'failed', 'unconfirmed'));
ALTER TABLE requests ADD COLUMN action_progress INTEGER;
ALTER TABLE requests ADD COLUMN action_detail TEXT;
CREATE INDEX requests_by_expiry ON requests (status, expires_at);

-- One vote per approver and request. The vote that completes the quorum (or any rejection)
-- claims the decision (requests.claimed_by) in the same transaction.
CREATE TABLE votes (
  request_id TEXT NOT NULL REFERENCES requests (id),
  user_id    TEXT NOT NULL,
  decision   TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
  level      INTEGER NOT NULL,
  -- A rejection's reason, so the decision can be rebuilt from D1 if its event is lost.
  reason     TEXT,
  at         TEXT NOT NULL,
  PRIMARY KEY (request_id, user_id)
);

-- Results of action webhook calls by idempotency key: a retried or replayed step reuses the
-- recorded result instead of calling the receiver again.
CREATE TABLE action_calls (
  idempotency_key TEXT PRIMARY KEY,
  request_id      TEXT NOT NULL,
  status          INTEGER NOT NULL,
  result          TEXT NOT NULL,
  at              TEXT NOT NULL
);
CREATE INDEX action_calls_by_time ON action_calls (at);
CREATE INDEX audit_by_time ON audit (at);

-- Keys of things that must happen once (e.g. one request per submitted modal view).
CREATE TABLE idempotency_keys (
  key        TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
);
