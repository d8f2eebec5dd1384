import type { Fields, Source } from "../request-source";
import type { UserText } from "../user-text";
import { type ActionState, type LevelGroup, parseRequestRow, type RawRequestRow, type RequestDelegation, type RequestRow } from "./rows";

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
    /** The workflow version of its instance (src/workflows/versions.ts); 1 when not given. */
    version?: number;
  },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO requests (id, type, requester, source, fields, description, description_rich, approvers, level_groups, level, quorum, allow_self, status, expires_at, created_at, updated_at, workflow_version)
       VALUES (?1, ?2, ?3, ?12, ?13, ?4, ?11, ?5, ?10, 1, ?6, ?7, 'pending', ?8, ?9, ?9, ?14)
       ON CONFLICT (id) DO UPDATE SET type = excluded.type, requester = excluded.requester, source = excluded.source, fields = excluded.fields,
         description = excluded.description, description_rich = excluded.description_rich, expires_at = excluded.expires_at,
         workflow_version = excluded.workflow_version`,
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
      r.version ?? 1,
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
  l: { approvers: string[]; groups: LevelGroup[]; level: number; quorum: number; expiresAt: string; at: string; delegations?: RequestDelegation[] },
): Promise<void> {
  await db
    .prepare(
      `UPDATE requests SET approvers = ?2, level_groups = ?3, level = ?4, quorum = ?5, expires_at = ?6, updated_at = ?7, delegations = coalesce(?8, delegations)
       WHERE id = ?1 AND status = 'pending'`,
    )
    .bind(id, JSON.stringify(l.approvers), JSON.stringify(l.groups), l.level, l.quorum, l.expiresAt, l.at, l.delegations ? JSON.stringify(l.delegations) : null)
    .run();
}

/**
 * Level 1 as resolved when it starts (its user groups' members, its approvers' delegates): who may
 * decide, the level's people with its quorum, and the delegations. Idempotent.
 */
export async function setFirstLevel(
  db: D1Database,
  id: string,
  l: { approvers: string[]; group: LevelGroup; delegations: RequestDelegation[] },
): Promise<void> {
  await db
    .prepare(`UPDATE requests SET approvers = ?2, level_groups = ?3, quorum = ?4, delegations = ?5 WHERE id = ?1 AND status = 'pending' AND level = 1`)
    .bind(id, JSON.stringify(l.approvers), JSON.stringify([l.group]), l.group.quorum, JSON.stringify(l.delegations))
    .run();
}

export async function getRequest(db: D1Database, id: string): Promise<RequestRow | null> {
  const raw = await db.prepare(`SELECT * FROM requests WHERE id = ?1`).bind(id).first<RawRequestRow>();
  return raw ? parseRequestRow(raw) : null;
}

/**
 * The wait the instance has just started: when it ends, and when the whole chain would end from
 * now. Written when the wait actually starts (after the DMs went out), so nobody counts time the
 * approver never had.
 */
export async function recordWait(db: D1Database, id: string, w: { waitUntil: string; expiresAt: string }): Promise<void> {
  await db.prepare(`UPDATE requests SET wait_until = ?2, expires_at = ?3 WHERE id = ?1 AND status = 'pending'`).bind(id, w.waitUntil, w.expiresAt).run();
}

/**
 * Ends a pending request that nobody decided: expired or failed, with its audit entry, atomically,
 * and only while unclaimed: a claim is the decision, even one made just before a failure. Returns
 * false when the request was no longer pending or was claimed: then the caller must not announce
 * this outcome (a claim is applied by closeByClaim).
 */
export async function closeRequest(db: D1Database, c: { id: string; status: "expired" | "failed"; at: string; error?: string }): Promise<boolean> {
  const [closed] = await db.batch([
    db
      .prepare(
        `UPDATE requests SET status = ?2, decided_by = NULL, decided_at = ?3, error = ?4, updated_at = ?3
         WHERE id = ?1 AND status = 'pending' AND claimed_by IS NULL
         RETURNING id`,
      )
      .bind(c.id, c.status, c.at, c.error ?? null),
    db
      .prepare(
        `INSERT INTO audit (request_id, event_key, event, actor, detail, at)
         SELECT ?1, 'closed', ?2, NULL, ?4, ?3 WHERE EXISTS (SELECT 1 FROM requests WHERE id = ?1 AND status = ?2 AND updated_at = ?3)
         ON CONFLICT (request_id, event_key) DO NOTHING`,
      )
      .bind(c.id, c.status, c.at, c.error ?? null),
  ]);
  return (closed?.results.length ?? 0) > 0;
}

/** A decision as its claim recorded it, and as the request was closed with it. */
export interface ClaimedOutcome {
  status: "approved" | "rejected" | "cancelled";
  /** Who claimed it (the approver, the requester who cancelled, or `api:<source name>` for a cancel over the API). */
  by: string;
  /** When it was claimed. */
  at: string;
  /** A rejection's reason (the claimant's vote), or the reason given with a cancel over the API (its claim's). */
  reason: string | null;
  /** False when the request had been closed with this claim before (a retried or replayed step). */
  closedNow: boolean;
}

/**
 * The reason a claim closes a request with: a cancel's is written with its claim (cancel_reason,
 * a cancel over the API), a rejection's is the claimant's vote (`v`, joined on the rejection).
 */
const CLOSING_REASON = "CASE WHEN r.status = 'cancelled' THEN r.cancel_reason ELSE v.reason END";

/**
 * THE DECISION RULE, enforced here: a request is decided by its D1 claim, and only by it. One
 * conditional UPDATE closes a pending, claimed request with what the claim says (approve →
 * approved, reject → rejected, cancel → cancelled; by the claimant, at the claim's time, with the
 * claim's reason), so nothing the caller knows (an event's content, however late or repeated) can
 * choose the outcome.
 * Returns the outcome when the request is closed with its claim (now, or by an earlier call),
 * null when it is unclaimed or was closed otherwise (expired, failed). `error` notes how it was
 * closed when that is not the usual way (maintenance, for an instance that died).
 */
export async function closeByClaim(db: D1Database, id: string, now: string, error?: string): Promise<ClaimedOutcome | null> {
  const [closed, , row] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        // A claim made by a version before claimed_decision (during a deploy) says it the old way:
        // the claimant's vote, else a cancellation (as migration 0004 filled in older claims).
        `UPDATE requests SET
           status = CASE coalesce(claimed_decision, (SELECT v.decision FROM votes v WHERE v.request_id = requests.id AND v.user_id = requests.claimed_by), 'cancel')
             WHEN 'approve' THEN 'approved' WHEN 'reject' THEN 'rejected' ELSE 'cancelled' END,
           decided_by = claimed_by, decided_at = claimed_at, error = ?3, updated_at = ?2
         WHERE id = ?1 AND status = 'pending' AND claimed_by IS NOT NULL
         RETURNING id`,
      )
      .bind(id, now, error ?? null),
    db
      .prepare(
        `INSERT INTO audit (request_id, event_key, event, actor, detail, at)
         SELECT r.id, 'closed', r.status, r.decided_by, ${CLOSING_REASON}, r.decided_at
         FROM requests r LEFT JOIN votes v ON v.request_id = r.id AND v.user_id = r.claimed_by AND v.decision = 'reject'
         WHERE r.id = ?1 AND r.status IN ('approved', 'rejected', 'cancelled') AND r.decided_by = r.claimed_by AND r.decided_at = r.claimed_at
         ON CONFLICT (request_id, event_key) DO NOTHING`,
      )
      .bind(id),
    claimOutcomeStatement(db, id),
  ]);
  const outcome = claimOutcomeOf(row?.results[0] as ClaimOutcomeRow | undefined);
  return outcome && { ...outcome, closedNow: (closed?.results.length ?? 0) > 0 };
}

/** How a request was closed by its claim (who, when, what, and the reason), or null if it was not. */
export async function claimOutcome(db: D1Database, id: string): Promise<Omit<ClaimedOutcome, "closedNow"> | null> {
  return claimOutcomeOf((await claimOutcomeStatement(db, id).first<ClaimOutcomeRow>()) ?? undefined);
}

type ClaimOutcomeRow = Pick<RequestRow, "status" | "claimed_by" | "claimed_at" | "decided_by" | "decided_at"> & { reason: string | null };

const claimOutcomeStatement = (db: D1Database, id: string) =>
  db
    .prepare(
      `SELECT r.status, r.claimed_by, r.claimed_at, r.decided_by, r.decided_at, ${CLOSING_REASON} AS reason
       FROM requests r LEFT JOIN votes v ON v.request_id = r.id AND v.user_id = r.claimed_by AND v.decision = 'reject'
       WHERE r.id = ?1`,
    )
    .bind(id);

function claimOutcomeOf(r: ClaimOutcomeRow | undefined): Omit<ClaimedOutcome, "closedNow"> | null {
  if (!r?.claimed_by || !r.claimed_at || r.decided_by !== r.claimed_by || r.decided_at !== r.claimed_at) return null;
  if (r.status !== "approved" && r.status !== "rejected" && r.status !== "cancelled") return null;
  return { status: r.status, by: r.claimed_by, at: r.claimed_at, reason: r.reason };
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
