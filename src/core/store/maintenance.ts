/** What the maintenance workflow reads and deletes: stuck requests, and records past the retention. */

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
    db.prepare(`DELETE FROM audit WHERE at < ?1 AND request_id IN (SELECT id FROM requests WHERE status != 'pending')`).bind(before),
    db.prepare(`DELETE FROM action_calls WHERE at < ?1`).bind(before),
    db.prepare(`DELETE FROM idempotency_keys WHERE created_at < ?1`).bind(before),
    // Votes and message references of requests closed before the retention serve nothing more.
    db.prepare(`DELETE FROM votes WHERE request_id IN (SELECT id FROM requests WHERE status != 'pending' AND updated_at < ?1)`).bind(before),
    db.prepare(`DELETE FROM messages WHERE request_id IN (SELECT id FROM requests WHERE status != 'pending' AND updated_at < ?1)`).bind(before),
  ]);
  return { audit: audit?.meta.changes ?? 0, calls: calls?.meta.changes ?? 0 };
}
