// The peer's durable state: one SQLite file (node:sqlite, no native module), WAL with
// synchronous=FULL, so every committed write (a request, a vote with its claim) is on disk before
// the app answers. The claim works as ours does: one conditional UPDATE … WHERE claimed_by IS NULL.
import { DatabaseSync } from "node:sqlite";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS requests (
  id TEXT PRIMARY KEY,
  requester TEXT NOT NULL,
  description TEXT NOT NULL,
  levels TEXT NOT NULL,            -- JSON: [{ approvers, waitMs }]
  level INTEGER NOT NULL DEFAULT 1,
  approvers TEXT NOT NULL,         -- JSON: who may decide now
  status TEXT NOT NULL DEFAULT 'pending',
  created_at INTEGER NOT NULL,
  wait_until INTEGER NOT NULL,     -- when the current level's timer fires
  claimed_by TEXT,
  claimed_at INTEGER
);
CREATE TABLE IF NOT EXISTS votes (
  request_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  decision TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (request_id, user_id)
);
CREATE TABLE IF NOT EXISTS messages (
  request_id TEXT NOT NULL,
  role TEXT NOT NULL,              -- L<level>-<user>
  channel TEXT NOT NULL,
  ts TEXT NOT NULL,
  PRIMARY KEY (request_id, role)
);`;

export function openStore(file) {
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
  db.exec(SCHEMA);
  const q = {
    insert: db.prepare(
      "INSERT INTO requests (id, requester, description, levels, approvers, created_at, wait_until) VALUES (:id, :requester, :description, :levels, :approvers, :createdAt, :waitUntil)",
    ),
    get: db.prepare("SELECT * FROM requests WHERE id = ?"),
    vote: db.prepare("INSERT INTO votes (request_id, user_id, decision, at) VALUES (?, ?, 'approve', ?)"),
    claim: db.prepare("UPDATE requests SET status = 'approved', claimed_by = ?, claimed_at = ? WHERE id = ? AND claimed_by IS NULL AND status = 'pending'"),
    escalate: db.prepare(
      "UPDATE requests SET level = :level, approvers = :approvers, wait_until = :waitUntil WHERE id = :id AND level = :level - 1 AND status = 'pending' AND claimed_by IS NULL",
    ),
    expire: db.prepare("UPDATE requests SET status = 'expired' WHERE id = ? AND status = 'pending' AND claimed_by IS NULL"),
    message: db.prepare("INSERT OR REPLACE INTO messages (request_id, role, channel, ts) VALUES (?, ?, ?, ?)"),
    messages: db.prepare("SELECT role, channel, ts FROM messages WHERE request_id = ?"),
    waiting: db.prepare("SELECT id, level, wait_until FROM requests WHERE status = 'pending' AND claimed_by IS NULL"),
  };
  const row = (r) => (r ? { ...r, levels: JSON.parse(r.levels), approvers: JSON.parse(r.approvers) } : undefined);
  return {
    create(r) {
      q.insert.run({ ...r, levels: JSON.stringify(r.levels), approvers: JSON.stringify(r.approvers) });
    },
    get: (id) => row(q.get.get(id)),
    /**
     * An approval in one transaction: the vote, and the claim that decides. Refusals say why
     * (unknown, closed, not an approver, own request).
     */
    approve(id, user, at) {
      db.exec("BEGIN IMMEDIATE");
      try {
        const r = row(q.get.get(id));
        let result;
        if (!r) result = { ok: false, reason: "unknown" };
        else if (r.status !== "pending" || r.claimed_by) result = { ok: false, reason: "closed", request: r };
        else if (user === r.requester) result = { ok: false, reason: "own_request", request: r };
        else if (!r.approvers.includes(user)) result = { ok: false, reason: "not_approver", request: r };
        else {
          q.vote.run(id, user, at);
          q.claim.run(user, at, id);
          result = { ok: true, request: r };
        }
        db.exec("COMMIT");
        return result;
      } catch (err) {
        db.exec("ROLLBACK");
        throw err;
      }
    },
    /** Moves an undecided request to `level`; false when it was decided (or moved) meanwhile. */
    escalate: (id, level, approvers, waitUntil) => q.escalate.run({ id, level, approvers: JSON.stringify(approvers), waitUntil }).changes === 1,
    expire: (id) => q.expire.run(id).changes === 1,
    recordMessage: (id, role, channel, ts) => q.message.run(id, role, channel, ts),
    messages: (id) => q.messages.all(id),
    /** Undecided requests and when their current timer is due (for re-arming timers at start). */
    waiting: () => q.waiting.all(),
    close: () => db.close(),
  };
}
