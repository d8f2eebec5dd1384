/**
 * D1 access for requests, their Slack messages and the audit trail. Writes made from workflow
 * steps are upserts or keyed inserts, so a replayed step changes nothing.
 */

export type RequestStatus = "pending" | "approved" | "rejected" | "expired" | "cancelled" | "failed";

export interface LevelGroup {
  approvers: string[];
  quorum: number;
}

export interface RequestRow {
  id: string;
  type: string;
  requester: string;
  description: string;
  /** Everyone who may decide now (all levels reached so far). */
  approvers: string[];
  /** The levels reached so far, each with its own quorum. */
  level_groups: LevelGroup[];
  level: number;
  quorum: number;
  allow_self: number;
  status: RequestStatus;
  claimed_by: string | null;
  decided_by: string | null;
  decided_at: string | null;
  error: string | null;
  expires_at: string | null;
  action_status: "running" | "succeeded" | "failed" | "unconfirmed" | null;
  action_progress: number | null;
  action_detail: string | null;
  created_at: string;
  updated_at: string;
}

export interface AuditEntry {
  event: string;
  actor: string | null;
  detail: string | null;
  at: string;
}

export interface MessageRow {
  role: string;
  user_id: string;
  channel: string;
  ts: string;
}

type RawRequestRow = Omit<RequestRow, "approvers" | "level_groups"> & { approvers: string; level_groups: string };

const toRow = (raw: RawRequestRow): RequestRow => ({
  ...raw,
  approvers: JSON.parse(raw.approvers) as string[],
  level_groups: JSON.parse(raw.level_groups) as LevelGroup[],
});

export async function upsertRequest(
  db: D1Database,
  r: {
    id: string;
    type: string;
    requester: string;
    description: string;
    approvers: string[];
    quorum: number;
    allowSelf: boolean;
    createdAt: string;
    expiresAt: string;
  },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO requests (id, type, requester, description, approvers, level_groups, level, quorum, allow_self, status, expires_at, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?10, 1, ?6, ?7, 'pending', ?8, ?9, ?9)
       ON CONFLICT (id) DO UPDATE SET type = excluded.type, requester = excluded.requester,
         description = excluded.description, expires_at = excluded.expires_at`,
    )
    .bind(
      r.id,
      r.type,
      r.requester,
      r.description,
      JSON.stringify(r.approvers),
      r.quorum,
      r.allowSelf ? 1 : 0,
      r.expiresAt,
      r.createdAt,
      JSON.stringify([{ approvers: r.approvers, quorum: r.quorum }]),
    )
    .run();
}

/** Appends to the audit trail; the (request, key) pair makes a replay a no-op. */
export function auditStatement(
  db: D1Database,
  e: { requestId: string; key: string; event: string; actor?: string | null; detail?: string | null; at: string },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO audit (request_id, event_key, event, actor, detail, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (request_id, event_key) DO NOTHING`,
    )
    .bind(e.requestId, e.key, e.event, e.actor ?? null, e.detail ?? null, e.at);
}

export async function audit(db: D1Database, e: Parameters<typeof auditStatement>[1]): Promise<void> {
  await auditStatement(db, e).run();
}

export async function saveMessage(db: D1Database, requestId: string, m: MessageRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO messages (request_id, role, user_id, channel, ts) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (request_id, role) DO UPDATE SET user_id = excluded.user_id, channel = excluded.channel, ts = excluded.ts`,
    )
    .bind(requestId, m.role, m.user_id, m.channel, m.ts)
    .run();
}

export async function listMessages(db: D1Database, requestId: string): Promise<MessageRow[]> {
  const { results } = await db
    .prepare(`SELECT role, user_id, channel, ts FROM messages WHERE request_id = ?1 ORDER BY role`)
    .bind(requestId)
    .all<MessageRow>();
  return results;
}

/**
 * Escalation: who may decide now (`approvers`, all levels so far), the levels with their quorums,
 * and the new expiry. Idempotent: a replay writes the same values.
 */
export async function setLevel(
  db: D1Database,
  id: string,
  l: { approvers: string[]; groups: LevelGroup[]; level: number; quorum: number; expiresAt: string; at: string },
): Promise<void> {
  await db
    .prepare(
      `UPDATE requests SET approvers = ?2, level_groups = ?3, level = ?4, quorum = ?5, expires_at = ?6, updated_at = ?7
       WHERE id = ?1 AND status = 'pending'`,
    )
    .bind(id, JSON.stringify(l.approvers), JSON.stringify(l.groups), l.level, l.quorum, l.expiresAt, l.at)
    .run();
}

export async function getRequest(db: D1Database, id: string): Promise<RequestRow | null> {
  const raw = await db.prepare(`SELECT * FROM requests WHERE id = ?1`).bind(id).first<RawRequestRow>();
  return raw ? toRow(raw) : null;
}

export async function getAudit(db: D1Database, id: string): Promise<AuditEntry[]> {
  const { results } = await db
    .prepare(`SELECT event, actor, detail, at FROM audit WHERE request_id = ?1 ORDER BY at, rowid`)
    .bind(id)
    .all<AuditEntry>();
  return results;
}

export type VoteResult =
  | { ok: true; decisive: true }
  | { ok: true; decisive: false; approvals: number; quorum: number }
  | { ok: false; reason: "unknown" | "not_approver" | "own_request" }
  | { ok: false; reason: "already_voted"; decision: string }
  | { ok: false; reason: "closed"; status: RequestStatus; by: string | null };

/**
 * The click route's decision, in two round trips to D1:
 * 1. one batch (a transaction): record the vote, if the clicker is a current approver of the
 *    pending, unclaimed request (and not its requester, unless the type allows self-approval),
 *    and read the request and its approvals;
 * 2. decide in code whether it settles the request: any rejection does, and an approval does
 *    when the clicker's own level has its quorum (approvals counted within that level); if so,
 *    claim the request (only one claim can succeed: D1 runs statements one at a time).
 * Two concurrent approvals that together reach a quorum cannot both miss it: each reads after
 * its own insert, so the second read sees both votes.
 */
export async function castVote(
  db: D1Database,
  id: string,
  user: string,
  decision: "approve" | "reject",
  at: string,
  reason?: string,
): Promise<VoteResult> {
  // One round trip: the vote, then (in the same transaction) the row and the approvals so far.
  const [vote, rowResult, approvalsResult] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `INSERT INTO votes (request_id, user_id, decision, level, reason, at)
         SELECT r.id, ?2, ?3, r.level, ?5, ?4 FROM requests r
         WHERE r.id = ?1 AND r.status = 'pending' AND r.claimed_by IS NULL
           AND (r.allow_self = 1 OR r.requester != ?2)
           AND EXISTS (SELECT 1 FROM json_each(r.approvers) WHERE value = ?2)
         ON CONFLICT (request_id, user_id) DO NOTHING
         RETURNING 1 AS n`,
      )
      .bind(id, user, decision, at, reason ?? null),
    db.prepare(`SELECT * FROM requests WHERE id = ?1`).bind(id),
    approvalsStatement(db, id),
  ]);
  const inserted = (vote?.results.length ?? 0) > 0;
  const raw = rowResult?.results[0] as RawRequestRow | undefined;
  const row = raw ? toRow(raw) : null;
  if (!row) return { ok: false, reason: "unknown" };
  if (!inserted) return explainRefusal(db, row, user);

  let progress = { approvals: 0, quorum: 1 };
  if (decision === "approve") {
    const approved = ((approvalsResult?.results ?? []) as { user_id: string }[]).map((r) => r.user_id);
    const groups = row.level_groups.filter((g) => g.approvers.includes(user));
    const counts = groups.map((g) => ({ approvals: approved.filter((a) => g.approvers.includes(a)).length, quorum: g.quorum }));
    // An approver outside every recorded level (should not happen) decides alone, as a level of one.
    const settled = counts.length === 0 || counts.some((c) => c.approvals >= c.quorum);
    if (!settled) {
      progress = counts.at(-1) ?? progress;
      await auditStatement(db, { requestId: id, key: `vote-${user}`, event: "voted", actor: user, detail: decision, at }).run();
      return { ok: true, decisive: false, ...progress };
    }
  }
  const claimed = await db
    .prepare(`UPDATE requests SET claimed_by = ?2, claimed_at = ?3 WHERE id = ?1 AND status = 'pending' AND claimed_by IS NULL RETURNING id`)
    .bind(id, user, at)
    .first();
  if (claimed) return { ok: true, decisive: true };
  const now = await getRequest(db, id);
  return { ok: false, reason: "closed", status: now?.status ?? row.status, by: now?.claimed_by ?? now?.decided_by ?? null };
}

async function explainRefusal(db: D1Database, row: RequestRow, user: string): Promise<Exclude<VoteResult, { ok: true }>> {
  if (row.status !== "pending") return { ok: false, reason: "closed", status: row.status, by: row.decided_by };
  if (row.claimed_by) return { ok: false, reason: "closed", status: row.status, by: row.claimed_by };
  const mine = await db.prepare(`SELECT decision FROM votes WHERE request_id = ?1 AND user_id = ?2`).bind(row.id, user).first<{ decision: string }>();
  if (mine) return { ok: false, reason: "already_voted", decision: mine.decision };
  if (!row.allow_self && row.requester === user) return { ok: false, reason: "own_request" };
  return { ok: false, reason: "not_approver" };
}

/**
 * The decision a claim stands for, rebuilt from D1 (the claimant's vote, or a cancellation by
 * the requester): used when the click's event did not reach the workflow.
 */
export async function claimedDecision(
  db: D1Database,
  id: string,
): Promise<{ decision: "approve" | "reject" | "cancel"; user: string; at: string; reason?: string } | null> {
  const row = await getRequest(db, id);
  if (!row || row.status !== "pending" || !row.claimed_by) return null;
  const vote = await db
    .prepare(`SELECT decision, reason FROM votes WHERE request_id = ?1 AND user_id = ?2`)
    .bind(id, row.claimed_by)
    .first<{ decision: "approve" | "reject"; reason: string | null }>();
  const at = (row as RequestRow & { claimed_at?: string }).claimed_at ?? row.updated_at;
  if (vote) return { decision: vote.decision, user: row.claimed_by, at, ...(vote.reason ? { reason: vote.reason } : {}) };
  if (row.claimed_by === row.requester) return { decision: "cancel", user: row.claimed_by, at };
  return null;
}

/** Who approved a request (in vote order): shown in the outcome of a quorum decision. */
export async function approvalsOf(db: D1Database, id: string): Promise<string[]> {
  const { results } = await approvalsStatement(db, id).all<{ user_id: string }>();
  return results.map((r) => r.user_id);
}

const approvalsStatement = (db: D1Database, id: string) =>
  db.prepare(`SELECT user_id FROM votes WHERE request_id = ?1 AND decision = 'approve' ORDER BY at, rowid`).bind(id);

/** Gives a claim (and the vote) back when the click could not be delivered to the workflow. */
export async function releaseClaim(db: D1Database, id: string, user: string): Promise<void> {
  await db.batch([
    db.prepare(`UPDATE requests SET claimed_by = NULL, claimed_at = NULL WHERE id = ?1 AND claimed_by = ?2 AND status = 'pending'`).bind(id, user),
    db.prepare(`DELETE FROM votes WHERE request_id = ?1 AND user_id = ?2 AND EXISTS (SELECT 1 FROM requests WHERE id = ?1 AND status = 'pending')`).bind(id, user),
    db.prepare(`DELETE FROM audit WHERE request_id = ?1 AND event_key = ?2`).bind(id, `vote-${user}`),
  ]);
}

/**
 * Ends a pending request (decided, expired or failed) with its audit entry, atomically. Returns
 * false when the request was no longer pending (closed by someone else), or, for an expiry, when
 * a click has claimed it: then the caller must not announce this outcome.
 */
export async function closeRequest(
  db: D1Database,
  c: { id: string; status: Exclude<RequestStatus, "pending">; by: string | null; at: string; error?: string; detail?: string },
): Promise<boolean> {
  const [closed] = await db.batch([
    db
      .prepare(
        `UPDATE requests SET status = ?2, decided_by = ?3, decided_at = ?4, error = ?5, updated_at = ?4
         WHERE id = ?1 AND status = 'pending' AND (?2 != 'expired' OR claimed_by IS NULL)
         RETURNING id`,
      )
      .bind(c.id, c.status, c.by, c.at, c.error ?? null),
    db
      .prepare(
        `INSERT INTO audit (request_id, event_key, event, actor, detail, at)
         SELECT ?1, 'closed', ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM requests WHERE id = ?1 AND status = ?2 AND updated_at = ?5)
         ON CONFLICT (request_id, event_key) DO NOTHING`,
      )
      .bind(c.id, c.status, c.by, c.detail ?? c.error ?? null, c.at),
  ]);
  return (closed?.results.length ?? 0) > 0;
}

// ---- the action (child workflow) state

export async function setActionState(
  db: D1Database,
  id: string,
  a: { status: "running" | "succeeded" | "failed" | "unconfirmed"; progress?: number | null; detail?: string | null; at: string; onlyIfRunning?: boolean },
): Promise<void> {
  // onlyIfRunning: the parent's status check must not overwrite an outcome the child just wrote.
  await db
    .prepare(
      `UPDATE requests SET action_status = ?2, action_progress = coalesce(?3, action_progress), action_detail = ?4, updated_at = ?5,
         status = CASE WHEN ?2 = 'failed' THEN 'failed' ELSE status END,
         error = CASE WHEN ?2 = 'failed' THEN ?4 ELSE error END
       WHERE id = ?1 AND (?6 = 0 OR action_status = 'running')`,
    )
    .bind(id, a.status, a.progress ?? null, a.detail ?? null, a.at, a.onlyIfRunning ? 1 : 0)
    .run();
}

export interface RecordedCall {
  status: number;
  result: string;
}

export async function findActionCall(db: D1Database, key: string): Promise<RecordedCall | null> {
  return db.prepare(`SELECT status, result FROM action_calls WHERE idempotency_key = ?1`).bind(key).first<RecordedCall>();
}

export async function recordActionCall(db: D1Database, key: string, requestId: string, call: RecordedCall, at: string): Promise<void> {
  await db
    .prepare(
      `INSERT INTO action_calls (idempotency_key, request_id, status, result, at) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (idempotency_key) DO UPDATE SET status = excluded.status, result = excluded.result, at = excluded.at`,
    )
    .bind(key, requestId, call.status, call.result, at)
    .run();
}

// ---- maintenance and statistics

/** Pending, unclaimed requests whose whole chain ran out before `before` (their instance should have ended). */
export async function stalePending(db: D1Database, before: string, limit = 100): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM requests WHERE status = 'pending' AND claimed_by IS NULL AND expires_at IS NOT NULL AND expires_at < ?1
       ORDER BY expires_at LIMIT ?2`,
    )
    .bind(before, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * Deletes, older than `before`: audit entries of closed requests, action call records, used
 * idempotency keys, and the votes and message references of requests closed before then.
 */
export async function pruneBefore(db: D1Database, before: string): Promise<{ audit: number; calls: number }> {
  const [audit, calls] = await db.batch([
    db
      .prepare(`DELETE FROM audit WHERE at < ?1 AND request_id IN (SELECT id FROM requests WHERE status != 'pending')`)
      .bind(before),
    db.prepare(`DELETE FROM action_calls WHERE at < ?1`).bind(before),
    db.prepare(`DELETE FROM idempotency_keys WHERE created_at < ?1`).bind(before),
    // Votes and message references of requests closed before the retention serve nothing more.
    db.prepare(`DELETE FROM votes WHERE request_id IN (SELECT id FROM requests WHERE status != 'pending' AND updated_at < ?1)`).bind(before),
    db.prepare(`DELETE FROM messages WHERE request_id IN (SELECT id FROM requests WHERE status != 'pending' AND updated_at < ?1)`).bind(before),
  ]);
  return { audit: audit?.meta.changes ?? 0, calls: calls?.meta.changes ?? 0 };
}

export interface Stats {
  byStatus: Record<string, number>;
  byType: Record<string, Record<string, number>>;
  escalated: number;
  decisionLatencySeconds: { count: number; average: number | null; max: number | null };
  actions: Record<string, number>;
}

/** The same counts the metrics report, derived from D1. */
export async function stats(db: D1Database): Promise<Stats> {
  const [byType, escalated, latency, actions] = await db.batch<Record<string, unknown>>([
    db.prepare(`SELECT type, status, count(*) AS n FROM requests GROUP BY type, status`),
    db.prepare(`SELECT count(DISTINCT request_id) AS n FROM audit WHERE event = 'escalated'`),
    db.prepare(
      `SELECT count(*) AS n, avg((julianday(decided_at) - julianday(created_at)) * 86400) AS avg,
              max((julianday(decided_at) - julianday(created_at)) * 86400) AS max
       FROM requests WHERE decided_by IS NOT NULL`,
    ),
    db.prepare(`SELECT action_status AS status, count(*) AS n FROM requests WHERE action_status IS NOT NULL GROUP BY action_status`),
  ]);
  const result: Stats = { byStatus: {}, byType: {}, escalated: 0, decisionLatencySeconds: { count: 0, average: null, max: null }, actions: {} };
  for (const r of (byType?.results ?? []) as { type: string; status: string; n: number }[]) {
    result.byStatus[r.status] = (result.byStatus[r.status] ?? 0) + r.n;
    (result.byType[r.type] ??= {})[r.status] = r.n;
  }
  result.escalated = Number((escalated?.results[0] as { n: number } | undefined)?.n ?? 0);
  const l = latency?.results[0] as { n: number; avg: number | null; max: number | null } | undefined;
  const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
  result.decisionLatencySeconds = { count: l?.n ?? 0, average: round(l?.avg ?? null), max: round(l?.max ?? null) };
  for (const r of (actions?.results ?? []) as { status: string; n: number }[]) result.actions[r.status] = r.n;
  return result;
}

/** Gives a key back (its work failed, so a retry must be able to use it). */
export async function releaseKey(db: D1Database, key: string): Promise<void> {
  await db.prepare(`DELETE FROM idempotency_keys WHERE key = ?1`).bind(key).run();
}

/** Records a key that must be used once; false when it was already used (an atomic insert). */
export async function claimKey(db: D1Database, key: string): Promise<boolean> {
  const row = await db
    .prepare(`INSERT INTO idempotency_keys (key, created_at) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING RETURNING key`)
    .bind(key, new Date().toISOString())
    .first();
  return row !== null;
}

/** The click route's check before opening the reject-reason modal (no write). */
export async function decisionBlocker(db: D1Database, id: string, user: string): Promise<Exclude<VoteResult, { ok: true }> | null> {
  const row = await getRequest(db, id);
  if (!row) return { ok: false, reason: "unknown" };
  const allowed = row.status === "pending" && !row.claimed_by && row.approvers.includes(user) && (row.allow_self || row.requester !== user);
  if (allowed) {
    const mine = await db.prepare(`SELECT 1 FROM votes WHERE request_id = ?1 AND user_id = ?2`).bind(id, user).first();
    if (!mine) return null;
  }
  return explainRefusal(db, row, user);
}

/** The requester cancels: claims the pending request for the cancellation, atomically. */
export async function claimCancel(db: D1Database, id: string, user: string, at: string): Promise<{ ok: true } | { ok: false; reason: "unknown" | "not_requester" } | { ok: false; reason: "closed"; status: RequestStatus; by: string | null }> {
  const claimed = await db
    .prepare(`UPDATE requests SET claimed_by = ?2, claimed_at = ?3 WHERE id = ?1 AND requester = ?2 AND status = 'pending' AND claimed_by IS NULL RETURNING id`)
    .bind(id, user, at)
    .first();
  if (claimed) return { ok: true };
  const row = await getRequest(db, id);
  if (!row) return { ok: false, reason: "unknown" };
  if (row.requester !== user) return { ok: false, reason: "not_requester" };
  return { ok: false, reason: "closed", status: row.status, by: row.claimed_by ?? row.decided_by };
}

export interface ListedRequest {
  id: string;
  type: string;
  requester: string;
  description: string;
  status: RequestStatus;
  created_at: string;
}

/** Pending requests `user` can still decide (an approver who has not voted), oldest first. */
export async function waitingFor(db: D1Database, user: string, limit = 10): Promise<ListedRequest[]> {
  const { results } = await db
    .prepare(
      `SELECT r.id, r.type, r.requester, r.description, r.status, r.created_at FROM requests r
       WHERE r.status = 'pending' AND r.claimed_by IS NULL
         AND EXISTS (SELECT 1 FROM json_each(r.approvers) WHERE value = ?1)
         AND (r.allow_self = 1 OR r.requester != ?1)
         AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.request_id = r.id AND v.user_id = ?1)
       ORDER BY r.created_at LIMIT ?2`,
    )
    .bind(user, limit)
    .all<ListedRequest>();
  return results;
}

/** A requester's requests: open ones first, then the latest closed ones. */
export async function requestsBy(db: D1Database, user: string, limit = 10, onlyOpen = false): Promise<ListedRequest[]> {
  const { results } = await db
    .prepare(
      `SELECT id, type, requester, description, status, created_at FROM requests
       WHERE requester = ?1 ${onlyOpen ? "AND status = 'pending'" : ""}
       ORDER BY status = 'pending' DESC, created_at DESC LIMIT ?2`,
    )
    .bind(user, limit)
    .all<ListedRequest>();
  return results;
}
