-- Approval requests: one row per ApprovalWorkflow instance (id = instance id).
CREATE TABLE requests (
  id          TEXT PRIMARY KEY,
  requester   TEXT NOT NULL,
  description TEXT NOT NULL,
  -- JSON array of the Slack user ids who may decide right now (grows on escalation).
  approvers   TEXT NOT NULL,
  level       INTEGER NOT NULL DEFAULT 1,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled', 'failed')),
  -- Set atomically by the click route: the first valid click wins, later ones are told who won.
  claimed_by  TEXT,
  claimed_at  TEXT,
  decided_by  TEXT,
  decided_at  TEXT,
  error       TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX requests_by_status ON requests (status, created_at);
CREATE INDEX requests_by_requester ON requests (requester, created_at);

-- Slack messages the workflow posted for a request, so a decision can update every one.
CREATE TABLE messages (
  request_id TEXT NOT NULL REFERENCES requests (id),
  role       TEXT NOT NULL,          -- approver-1, approver-2, requester
  user_id    TEXT NOT NULL,
  channel    TEXT NOT NULL,
  ts         TEXT NOT NULL,
  PRIMARY KEY (request_id, role)
);

-- Append-only audit trail. event_key makes a replayed step's insert a no-op.
CREATE TABLE audit (
  request_id TEXT NOT NULL REFERENCES requests (id),
  event_key  TEXT NOT NULL,
  event      TEXT NOT NULL,          -- created, notified, escalated, approved, rejected, expired, failed
  actor      TEXT,
  detail     TEXT,
  at         TEXT NOT NULL,
  PRIMARY KEY (request_id, event_key)
);
