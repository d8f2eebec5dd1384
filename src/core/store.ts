/**
 * D1 access for requests, their Slack messages and the audit trail. Writes made from workflow
 * steps are upserts or keyed inserts, so a replayed step changes nothing.
 */

export type RequestStatus = "pending" | "approved" | "rejected" | "expired" | "failed";

export interface RequestRow {
  id: string;
  requester: string;
  description: string;
  approvers: string[];
  level: number;
  status: RequestStatus;
  claimed_by: string | null;
  decided_by: string | null;
  decided_at: string | null;
  error: string | null;
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

type RawRequestRow = Omit<RequestRow, "approvers"> & { approvers: string };

const toRow = (raw: RawRequestRow): RequestRow => ({ ...raw, approvers: JSON.parse(raw.approvers) as string[] });

export async function upsertRequest(
  db: D1Database,
  r: { id: string; requester: string; description: string; approvers: string[]; createdAt: string },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO requests (id, requester, description, approvers, level, status, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, 1, 'pending', ?5, ?5)
       ON CONFLICT (id) DO UPDATE SET requester = excluded.requester, description = excluded.description`,
    )
    .bind(r.id, r.requester, r.description, JSON.stringify(r.approvers), r.createdAt)
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

/** Escalation: who may decide now, and at which level. */
export async function setApprovers(db: D1Database, id: string, approvers: string[], level: number, at: string): Promise<void> {
  await db
    .prepare(`UPDATE requests SET approvers = ?2, level = ?3, updated_at = ?4 WHERE id = ?1 AND status = 'pending'`)
    .bind(id, JSON.stringify(approvers), level, at)
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

export type ClaimResult =
  | { ok: true }
  | { ok: false; reason: "unknown" }
  | { ok: false; reason: "not_approver" }
  | { ok: false; reason: "closed"; status: RequestStatus; by: string | null };

/**
 * The click route's one write: the first approver to click claims the decision atomically, so
 * two simultaneous clicks yield exactly one decision. Only a clicker listed as an approver of the
 * pending request can claim it.
 */
export async function claimDecision(db: D1Database, id: string, user: string, at: string): Promise<ClaimResult> {
  const claimed = await db
    .prepare(
      `UPDATE requests SET claimed_by = ?2, claimed_at = ?3
       WHERE id = ?1 AND status = 'pending' AND claimed_by IS NULL
         AND EXISTS (SELECT 1 FROM json_each(requests.approvers) WHERE value = ?2)
       RETURNING id`,
    )
    .bind(id, user, at)
    .first();
  if (claimed) return { ok: true };
  const row = await getRequest(db, id);
  if (!row) return { ok: false, reason: "unknown" };
  if (row.status === "pending" && row.claimed_by) return { ok: false, reason: "closed", status: row.status, by: row.claimed_by };
  if (row.status !== "pending") return { ok: false, reason: "closed", status: row.status, by: row.decided_by };
  return { ok: false, reason: "not_approver" };
}

/** Gives a claim back when the click could not be delivered to the workflow. */
export async function releaseClaim(db: D1Database, id: string, user: string): Promise<void> {
  await db
    .prepare(`UPDATE requests SET claimed_by = NULL, claimed_at = NULL WHERE id = ?1 AND claimed_by = ?2 AND status = 'pending'`)
    .bind(id, user)
    .run();
}

/** Ends a pending request (decided, expired or failed) with its audit entry, atomically. */
export async function closeRequest(
  db: D1Database,
  c: { id: string; status: Exclude<RequestStatus, "pending">; by: string | null; at: string; error?: string },
): Promise<void> {
  await db.batch([
    db
      .prepare(
        `UPDATE requests SET status = ?2, decided_by = ?3, decided_at = ?4, error = ?5, updated_at = ?4
         WHERE id = ?1 AND status = 'pending'`,
      )
      .bind(c.id, c.status, c.by, c.at, c.error ?? null),
    auditStatement(db, { requestId: c.id, key: "closed", event: c.status, actor: c.by, detail: c.error ?? null, at: c.at }),
  ]);
}
