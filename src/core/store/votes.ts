import { isApiActor } from "../ids";
import { approvalSettles } from "../quorum";
import { auditStatement } from "./audit";
import { holdingDelegations } from "./delegations";
import { getRequest } from "./requests";
import { type ClaimDecision, parseRequestRow, type RawRequestRow, type RequestRow, type RequestStatus, type VoteRow } from "./rows";

/**
 * Votes and claims: who may decide a request, and the one conditional update (the claim) that
 * decides it: who, when and what. A claim is made once and never given back, whatever happens to
 * the event that follows it; the workflow closes the request with it (requests.closeByClaim).
 * Everything the click route writes goes through here.
 */

export type VoteResult =
  | { ok: true; decisive: true }
  | { ok: true; decisive: false; approvals: number; quorum: number }
  | { ok: false; reason: "unknown" | "not_approver" | "own_request" }
  | { ok: false; reason: "already_voted"; decision: VoteRow["decision"] }
  /** The seat the clicker would fill has voted: the principal themselves, or another of their delegates. */
  | { ok: false; reason: "seat_taken"; seat: string; by: string; decision: VoteRow["decision"] }
  /** The clicker could decide only as a delegate, and that delegation no longer holds. */
  | { ok: false; reason: "delegation_ended"; principal: string }
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
export async function castVote(db: D1Database, id: string, user: string, decision: "approve" | "reject", at: string, reason?: string): Promise<VoteResult> {
  // One round trip: the vote, then (in the same transaction) the row and the approvals so far.
  const [vote, rowResult, approvalsResult] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `INSERT INTO votes (request_id, user_id, decision, level, reason, at, seat)
         SELECT r.id, ?2, ?3, r.level, ?5, ?4, CASE WHEN s.seat = ?2 THEN NULL ELSE s.seat END
         FROM requests r JOIN (${SEAT_SQL}) s
         WHERE r.id = ?1 AND r.status = 'pending' AND r.claimed_by IS NULL
           AND s.seat IS NOT NULL
           AND (r.allow_self = 1 OR r.requester != ?2)
           -- Never the requester's own request through a delegation, whatever the type allows.
           AND (s.seat = ?2 OR r.requester != ?2)
           AND EXISTS (SELECT 1 FROM json_each(r.approvers) WHERE value = ?2)
           AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.request_id = r.id AND coalesce(v.seat, v.user_id) = s.seat)
         ON CONFLICT (request_id, user_id) DO NOTHING
         RETURNING coalesce(seat, user_id) AS seat`,
      )
      .bind(id, user, decision, at, reason ?? null),
    db.prepare(`SELECT * FROM requests WHERE id = ?1`).bind(id),
    seatApprovalsStatement(db, id),
  ]);
  const seat = (vote?.results[0] as { seat?: string } | undefined)?.seat;
  const raw = rowResult?.results[0] as RawRequestRow | undefined;
  const row = raw ? parseRequestRow(raw) : null;
  if (!row) return { ok: false, reason: "unknown" };
  if (!seat) return explainRefusal(db, row, user);
  // A delegate's vote is recorded as such: who voted, and for whom.
  const forWhom = seat !== user ? `, for ${seat}` : "";
  if (forWhom) await auditStatement(db, { requestId: id, key: `vote-${user}`, event: "voted", actor: user, detail: `${decision}${forWhom}`, at }).run();

  if (decision === "approve") {
    // The quorum counts seats (the people asked), so a delegate and their principal count once.
    const approved = ((approvalsResult?.results ?? []) as { seat: string }[]).map((r) => r.seat);
    const count = approvalSettles(row.level_groups, approved, seat);
    if (!count.settled) {
      if (!forWhom) await auditStatement(db, { requestId: id, key: `vote-${user}`, event: "voted", actor: user, detail: decision, at }).run();
      return { ok: true, decisive: false, approvals: count.approvals, quorum: count.quorum };
    }
  }
  const claimed = await db
    .prepare(
      `UPDATE requests SET claimed_by = ?2, claimed_at = ?3, claimed_decision = ?4 WHERE id = ?1 AND status = 'pending' AND claimed_by IS NULL RETURNING id`,
    )
    .bind(id, user, at, decision)
    .first();
  if (claimed) return { ok: true, decisive: true };
  const now = await getRequest(db, id);
  return { ok: false, reason: "closed", status: now?.status ?? row.status, by: now?.claimed_by ?? now?.decided_by ?? null };
}

/**
 * The seat the clicker (?2) would fill at time ?4, as one row `seat` (NULL: none): their own when
 * they were asked in their own right (in a level's approvers) or are no delegate at all (requests
 * from before delegations); else the first principal they stand in for whose seat is free and
 * whose delegation still holds.
 */
const SEAT_SQL = `SELECT coalesce(
    CASE WHEN EXISTS (SELECT 1 FROM json_each(r2.level_groups) g, json_each(g.value, '$.approvers') a WHERE a.value = ?2) THEN ?2 END,
    CASE WHEN NOT EXISTS (SELECT 1 FROM json_each(r2.delegations) d WHERE json_extract(d.value, '$.delegate') = ?2) THEN ?2 END,
    (SELECT json_extract(d.value, '$.principal') FROM json_each(r2.delegations) d JOIN delegations dl ON dl.id = json_extract(d.value, '$.id')
      WHERE json_extract(d.value, '$.delegate') = ?2 AND dl.ended_at IS NULL AND dl.until > ?4
        AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.request_id = r2.id AND coalesce(v.seat, v.user_id) = json_extract(d.value, '$.principal'))
      ORDER BY d.key LIMIT 1)
  ) AS seat FROM requests r2 WHERE r2.id = ?1`;

async function explainRefusal(db: D1Database, row: RequestRow, user: string): Promise<Exclude<VoteResult, { ok: true }>> {
  if (row.status !== "pending") return { ok: false, reason: "closed", status: row.status, by: row.decided_by };
  if (row.claimed_by) return { ok: false, reason: "closed", status: row.status, by: row.claimed_by };
  const mine = await db.prepare(`SELECT decision FROM votes WHERE request_id = ?1 AND user_id = ?2`).bind(row.id, user).first<Pick<VoteRow, "decision">>();
  if (mine) return { ok: false, reason: "already_voted", decision: mine.decision };
  if (!row.allow_self && row.requester === user) return { ok: false, reason: "own_request" };
  if (!row.approvers.includes(user)) return { ok: false, reason: "not_approver" };
  if (row.requester === user) return { ok: false, reason: "own_request" };
  // A delegate (or a principal) whose seat is filled, or a delegation that ended.
  const direct = row.level_groups.some((g) => g.approvers.includes(user)) || !row.delegations.some((d) => d.delegate === user);
  const seats = direct ? [user] : row.delegations.filter((d) => d.delegate === user).map((d) => d.principal);
  const taken = await db
    .prepare(
      `SELECT coalesce(seat, user_id) AS seat, user_id, decision FROM votes WHERE request_id = ?1 AND coalesce(seat, user_id) IN (SELECT value FROM json_each(?2)) LIMIT 1`,
    )
    .bind(row.id, JSON.stringify(seats))
    .first<{ seat: string; user_id: string; decision: VoteRow["decision"] }>();
  if (taken) return { ok: false, reason: "seat_taken", seat: taken.seat, by: taken.user_id, decision: taken.decision };
  if (!direct) return { ok: false, reason: "delegation_ended", principal: seats[0]! };
  return { ok: false, reason: "not_approver" };
}

/** Who approved a request (in vote order): shown in the outcome of a quorum decision. */
export async function approvalsOf(db: D1Database, id: string): Promise<string[]> {
  const { results } = await approvalsStatement(db, id).all<{ user_id: string }>();
  return results.map((r) => r.user_id);
}

const approvalsStatement = (db: D1Database, id: string) =>
  db.prepare(`SELECT user_id FROM votes WHERE request_id = ?1 AND decision = 'approve' ORDER BY at, rowid`).bind(id);
/** The seats approved so far (a delegate's vote fills their principal's seat). */
const seatApprovalsStatement = (db: D1Database, id: string) =>
  db.prepare(`SELECT coalesce(seat, user_id) AS seat FROM votes WHERE request_id = ?1 AND decision = 'approve' ORDER BY at, rowid`).bind(id);

/** The click route's check before opening the reject-reason modal (no write): the same rule as castVote's. */
export async function decisionBlocker(
  db: D1Database,
  id: string,
  user: string,
  at = new Date().toISOString(),
): Promise<Exclude<VoteResult, { ok: true }> | null> {
  const row = await getRequest(db, id);
  if (!row) return { ok: false, reason: "unknown" };
  const open = row.status === "pending" && !row.claimed_by && row.approvers.includes(user) && (row.allow_self || row.requester !== user);
  if (open) {
    const direct = row.level_groups.some((g) => g.approvers.includes(user)) || !row.delegations.some((d) => d.delegate === user);
    const mine = row.delegations.filter((d) => d.delegate === user);
    const holding = direct ? null : await holdingDelegations(db, [...new Set(mine.map((d) => d.id))], at);
    const seats = direct ? [user] : row.requester === user ? [] : mine.filter((d) => holding!.has(d.id)).map((d) => d.principal);
    const { results } = await db.prepare(`SELECT coalesce(seat, user_id) AS seat FROM votes WHERE request_id = ?1`).bind(id).all<{ seat: string }>();
    const voted = new Set(results.map((r) => r.seat));
    const mineVoted = await db.prepare(`SELECT 1 FROM votes WHERE request_id = ?1 AND user_id = ?2`).bind(id, user).first();
    if (!mineVoted && seats.some((s) => !voted.has(s))) return null;
  }
  return explainRefusal(db, row, user);
}

/**
 * The requester cancels: claims the pending request for the cancellation, atomically. The claim
 * says "cancel", so a requester who also voted (self-approval) is never taken for an approval.
 */
export async function claimCancel(
  db: D1Database,
  id: string,
  user: string,
  at: string,
): Promise<{ ok: true } | { ok: false; reason: "unknown" | "not_requester" } | { ok: false; reason: "closed"; status: RequestStatus; by: string | null }> {
  const claimed = await db
    .prepare(
      `UPDATE requests SET claimed_by = ?2, claimed_at = ?3, claimed_decision = 'cancel'
       WHERE id = ?1 AND requester = ?2 AND status = 'pending' AND claimed_by IS NULL RETURNING id`,
    )
    .bind(id, user, at)
    .first();
  if (claimed) return { ok: true };
  const row = await getRequest(db, id);
  if (!row) return { ok: false, reason: "unknown" };
  if (row.requester !== user) return { ok: false, reason: "not_requester" };
  return { ok: false, reason: "closed", status: row.status, by: row.claimed_by ?? row.decided_by };
}

/** What an API cancel's claim found: claimed; no such request; or no longer open (`decision`: a claim not applied yet). */
export type ApiCancelClaim =
  | { ok: true }
  | { ok: false; reason: "unknown" }
  | { ok: false; reason: "closed"; status: RequestStatus; by: string | null; decision: ClaimDecision | null };

/**
 * A pipeline cancels over the API: a claim like the requester's cancel (it says "cancel"), made
 * by `actor` (`api:<source name>`, never a Slack user id) with its reason, atomically. Like every
 * claim it is never given back; the workflow closes the request with it (closeByClaim), with this
 * actor and reason. Anyone holding the API token may cancel any pending request, as they may
 * create one.
 */
export async function claimApiCancel(db: D1Database, id: string, actor: string, at: string, reason: string | null): Promise<ApiCancelClaim> {
  // A Slack user id here would let the API act as a person: refuse it outright.
  if (!isApiActor(actor)) throw new Error("an API cancel is made by an api:<source name> actor");
  const claimed = await db
    .prepare(
      `UPDATE requests SET claimed_by = ?2, claimed_at = ?3, claimed_decision = 'cancel', cancel_reason = ?4
       WHERE id = ?1 AND status = 'pending' AND claimed_by IS NULL RETURNING id`,
    )
    .bind(id, actor, at, reason)
    .first();
  if (claimed) return { ok: true };
  const row = await getRequest(db, id);
  if (!row) return { ok: false, reason: "unknown" };
  return { ok: false, reason: "closed", status: row.status, by: row.claimed_by ?? row.decided_by, decision: row.claimed_decision };
}

/** Whose seat `user`'s vote filled when it was not their own (a delegate's vote), else null. */
export async function voteSeat(db: D1Database, id: string, user: string): Promise<string | null> {
  const row = await db.prepare(`SELECT seat FROM votes WHERE request_id = ?1 AND user_id = ?2`).bind(id, user).first<{ seat: string | null }>();
  return row?.seat ?? null;
}
