-- The claim states the whole decision: who (claimed_by), when (claimed_at) and what
-- (claimed_decision). The workflow closes a request with what its claim says, never with what an
-- event says, so a late or repeated event cannot change an outcome.
ALTER TABLE requests ADD COLUMN claimed_decision TEXT CHECK (claimed_decision IN ('approve', 'reject', 'cancel'));
-- Claims made before this column: what the claimant's vote says, else a cancellation by the
-- requester (the rule the workflow used to rebuild a claim from D1).
UPDATE requests SET claimed_decision = coalesce(
  (SELECT v.decision FROM votes v WHERE v.request_id = requests.id AND v.user_id = requests.claimed_by),
  'cancel')
WHERE claimed_by IS NOT NULL;

-- When the wait the instance is in ends: written by the instance when the wait starts (after the
-- DMs went out), so maintenance knows which instances are past their own deadline.
ALTER TABLE requests ADD COLUMN wait_until TEXT;
CREATE INDEX requests_by_wait ON requests (status, wait_until);
