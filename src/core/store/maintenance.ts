/** What the maintenance workflow reads and deletes: overdue requests, and records past the retention. */

/** A pending request that should have moved on by now (see overdueRequests). */
export interface OverdueRequest {
  id: string;
  type: string;
  /** Someone has claimed it (its decision is made), but it is still pending. */
  claimed: boolean;
}

/**
 * Pending requests that should have moved on: unclaimed ones whose current wait ended before
 * `waitsBefore` (wait_until, written by their instance when the wait started; expires_at for
 * requests older than that column), and claimed ones whose claim is older than `claimsBefore`
 * (the claim's event should have woken the instance long ago). Whether one is stuck is for its
 * instance to tell: this only finds whom to ask.
 */
export async function overdueRequests(db: D1Database, cutoff: { waitsBefore: string; claimsBefore: string }, limit = 100): Promise<OverdueRequest[]> {
  const { results } = await db
    .prepare(
      `SELECT id, type, claimed_by IS NOT NULL AS claimed FROM requests
       WHERE status = 'pending' AND (
         (claimed_by IS NULL AND coalesce(wait_until, expires_at) < ?1) OR
         (claimed_by IS NOT NULL AND claimed_at < ?2))
       ORDER BY created_at LIMIT ?3`,
    )
    .bind(cutoff.waitsBefore, cutoff.claimsBefore, limit)
    .all<{ id: string; type: string; claimed: number }>();
  return results.map((r) => ({ id: r.id, type: r.type, claimed: r.claimed === 1 }));
}

/**
 * Deletes, older than `before`: audit entries of closed requests, action call records, used
 * idempotency keys, and the votes and message references of requests closed before then.
 */
export async function pruneBefore(db: D1Database, before: string): Promise<{ audit: number; calls: number }> {
  const [audit, calls] = await db.batch([
    db.prepare(`DELETE FROM audit WHERE at < ?1 AND request_id IN (SELECT id FROM requests WHERE status != 'pending')`).bind(before),
    db.prepare(`DELETE FROM action_calls WHERE at < ?1`).bind(before),
    db.prepare(`DELETE FROM idempotency_keys WHERE created_at < ?1`).bind(before),
    // Votes and message references of requests closed before the retention serve nothing more.
    db.prepare(`DELETE FROM votes WHERE request_id IN (SELECT id FROM requests WHERE status != 'pending' AND updated_at < ?1)`).bind(before),
    db.prepare(`DELETE FROM messages WHERE request_id IN (SELECT id FROM requests WHERE status != 'pending' AND updated_at < ?1)`).bind(before),
  ]);
  return { audit: audit?.meta.changes ?? 0, calls: calls?.meta.changes ?? 0 };
}
