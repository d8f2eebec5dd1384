import type { Fields, Source } from "../request-source";
import type { UserText } from "../user-text";
import { type ActionState, type LevelGroup, parseRequestRow, type RawRequestRow, type RequestRow, type RequestStatus } from "./rows";

/**
 * The requests table: a request's record, its level chain and its outcome. Writes made from
 * workflow steps are upserts or conditional updates, so a replayed step changes nothing.
 */

export async function upsertRequest(
  db: D1Database,
  r: {
    id: string;
    type: string;
    /** The Slack user who asked; null for an API request without one (stored as ''). */
    requester: string | null;
    source?: Source | null;
    fields?: Fields | null;
    description: string;
    /** The description's segments when it has more than text (core/user-text.ts `isRich`), else null. */
    descriptionRich?: UserText | null;
    approvers: string[];
    quorum: number;
    allowSelf: boolean;
    createdAt: string;
    expiresAt: string;
  },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO requests (id, type, requester, source, fields, description, description_rich, approvers, level_groups, level, quorum, allow_self, status, expires_at, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?12, ?13, ?4, ?11, ?5, ?10, 1, ?6, ?7, 'pending', ?8, ?9, ?9)
       ON CONFLICT (id) DO UPDATE SET type = excluded.type, requester = excluded.requester, source = excluded.source, fields = excluded.fields,
         description = excluded.description, description_rich = excluded.description_rich, expires_at = excluded.expires_at`,
    )
    .bind(
      r.id,
      r.type,
      r.requester ?? "",
      r.description,
      JSON.stringify(r.approvers),
      r.quorum,
      r.allowSelf ? 1 : 0,
      r.expiresAt,
      r.createdAt,
      JSON.stringify([{ approvers: r.approvers, quorum: r.quorum }]),
      r.descriptionRich?.length ? JSON.stringify(r.descriptionRich) : null,
      r.source ? JSON.stringify(r.source) : null,
      r.fields && Object.keys(r.fields).length ? JSON.stringify(r.fields) : null,
    )
    .run();
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
  return raw ? parseRequestRow(raw) : null;
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

export async function setActionState(
  db: D1Database,
  id: string,
  a: { status: ActionState; progress?: number | null; detail?: string | null; at: string; onlyIfRunning?: boolean },
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
