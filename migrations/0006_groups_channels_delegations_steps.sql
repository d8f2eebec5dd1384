-- Issue 14: user groups, an approvals channel, delegation, the Workflow Builder step.

-- Delegations: while one holds (not ended, `until` not reached), requests that would go to
-- `principal` also go to `delegate` (resolved when a request's level starts). One active
-- delegation per principal: a new one ends the one before.
CREATE TABLE delegations (
  id         TEXT PRIMARY KEY,
  principal  TEXT NOT NULL,
  delegate   TEXT NOT NULL,
  -- Exclusive end (ISO, UTC): `/approval delegate @bob until 2026-12-24` holds through that day.
  until      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  -- Set by `/approval delegate off`, the App Home's End button, or a newer delegation.
  ended_at   TEXT
);
CREATE UNIQUE INDEX delegations_one_active ON delegations (principal) WHERE ended_at IS NULL;
CREATE INDEX delegations_by_delegate ON delegations (delegate, ended_at);

-- The delegations a request's levels were given when they started, as JSON
-- [{"id", "principal", "delegate", "until", "level"}]: the delegate may decide for the principal
-- while that delegation holds. `approvers` lists delegates too (everyone who may click).
ALTER TABLE requests ADD COLUMN delegations TEXT NOT NULL DEFAULT '[]';

-- Whose seat a vote fills: the principal when a delegate voted for them; NULL = the voter's own.
-- A seat votes once, and a quorum counts seats (people asked), never a person twice.
ALTER TABLE votes ADD COLUMN seat TEXT;

-- Workflow Builder step runs (function_executed): one per function_execution_id, its request,
-- the freshest workflow token Slack gave us (xwfp-, 15 minutes; NULL once the step is completed,
-- which revokes it) and how the step was completed, exactly once.
CREATE TABLE function_runs (
  execution_id          TEXT PRIMARY KEY,
  request_id            TEXT NOT NULL,
  workflow_execution_id TEXT,
  token                 TEXT,
  token_at              TEXT,
  completed_at          TEXT,
  -- success / error: the method called; `via`: the token that did it (workflow, bot) or
  -- `already` (Slack said the execution was no longer running); NULL with `detail` if it failed.
  completion            TEXT CHECK (completion IN ('success', 'error')),
  via                   TEXT,
  detail                TEXT,
  created_at            TEXT NOT NULL
);
CREATE INDEX function_runs_by_request ON function_runs (request_id);
