import type { DelegationRow } from "./rows";

/**
 * The delegations table: "while I am away, requests for me also go to Bob". One active delegation
 * per principal (a partial unique index); a delegation holds while it is not ended and its `until`
 * has not come. Requests take them when a level starts (requests.delegations); a delegate's vote
 * counts only while the delegation holds (votes.ts).
 */

/** A delegation that holds at `at`: not ended, not past its `until`. */
const HOLDS = "ended_at IS NULL AND until > ?2";

/** The delegation `principal` has now, if any. */
export async function activeDelegationOf(db: D1Database, principal: string, at: string): Promise<DelegationRow | null> {
  return db.prepare(`SELECT * FROM delegations WHERE principal = ?1 AND ${HOLDS}`).bind(principal, at).first<DelegationRow>();
}

/** The delegations in which `delegate` stands in for someone now. */
export async function delegationsTo(db: D1Database, delegate: string, at: string): Promise<DelegationRow[]> {
  const { results } = await db
    .prepare(`SELECT * FROM delegations WHERE delegate = ?1 AND ${HOLDS} ORDER BY created_at`)
    .bind(delegate, at)
    .all<DelegationRow>();
  return results;
}

/** The delegations of these principals that hold at `at` (a level starting). */
export async function activeDelegationsFrom(db: D1Database, principals: string[], at: string): Promise<DelegationRow[]> {
  if (principals.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT * FROM delegations WHERE principal IN (SELECT value FROM json_each(?1)) AND ${HOLDS} ORDER BY created_at`)
    .bind(JSON.stringify(principals), at)
    .all<DelegationRow>();
  return results;
}

/**
 * Why a delegation was not started: another of the principal's started at the same moment (the
 * unique index refused this one), or the one-hand rule no longer holds (the principal stands in
 * for someone, or the delegate is away) because a delegation written since the caller's checks
 * says so (two people delegating to each other at once).
 */
export type StartRefusal = "concurrent" | "one_hand";

/**
 * Starts a delegation, ending the principal's earlier one (if any) in the same batch. Both
 * statements carry the one-hand rule (core/delegation.ts) as a condition, so it holds inside the
 * transaction whatever was written after the caller checked it: either both run, or neither (an
 * earlier delegation is never ended for one that was refused). Returns the row, or why not.
 */
export async function startDelegation(db: D1Database, d: Omit<DelegationRow, "ended_at">): Promise<DelegationRow | StartRefusal> {
  // ?2 principal, ?3 delegate, ?5 now: the principal stands in for nobody, the delegate is not away.
  const ONE_HAND = `NOT EXISTS (SELECT 1 FROM delegations WHERE delegate = ?2 AND ended_at IS NULL AND until > ?5)
      AND NOT EXISTS (SELECT 1 FROM delegations WHERE principal = ?3 AND ended_at IS NULL AND until > ?5)`;
  let inserted: D1Result | undefined;
  try {
    [, inserted] = await db.batch([
      db
        .prepare(`UPDATE delegations SET ended_at = ?5 WHERE principal = ?2 AND ended_at IS NULL AND ${ONE_HAND}`)
        .bind(d.id, d.principal, d.delegate, d.until, d.created_at),
      db
        .prepare(`INSERT INTO delegations (id, principal, delegate, until, created_at) SELECT ?1, ?2, ?3, ?4, ?5 WHERE ${ONE_HAND} RETURNING id`)
        .bind(d.id, d.principal, d.delegate, d.until, d.created_at),
    ]);
  } catch (err) {
    if (/UNIQUE/i.test((err as Error).message)) return "concurrent";
    throw err;
  }
  return inserted?.results.length ? { ...d, ended_at: null } : "one_hand";
}

/** Ends the principal's delegation; the one ended, or null when there was none. */
export async function endDelegation(db: D1Database, principal: string, at: string): Promise<DelegationRow | null> {
  return db.prepare(`UPDATE delegations SET ended_at = ?2 WHERE principal = ?1 AND ended_at IS NULL RETURNING *`).bind(principal, at).first<DelegationRow>();
}

/** Delegations of a request's approvers (ids) that still hold: for the vote check outside the SQL (decisionBlocker). */
export async function holdingDelegations(db: D1Database, ids: string[], at: string): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { results } = await db
    .prepare(`SELECT id FROM delegations WHERE id IN (SELECT value FROM json_each(?1)) AND ${HOLDS}`)
    .bind(JSON.stringify(ids), at)
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}
