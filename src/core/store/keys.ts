/** The idempotency_keys table: things that must happen once (e.g. one request per submitted modal view). */

/** Records a key that must be used once; false when it was already used (an atomic insert). */
export async function claimKey(db: D1Database, key: string): Promise<boolean> {
  const row = await db
    .prepare(`INSERT INTO idempotency_keys (key, created_at) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING RETURNING key`)
    .bind(key, new Date().toISOString())
    .first();
  return row !== null;
}

/** Gives a key back (its work failed, so a retry must be able to use it). */
export async function releaseKey(db: D1Database, key: string): Promise<void> {
  await db.prepare(`DELETE FROM idempotency_keys WHERE key = ?1`).bind(key).run();
}
