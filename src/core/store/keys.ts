import type { IdempotencyKeyRow } from "./rows";

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

/** What the first use of an API Idempotency-Key recorded. */
export type ApiKeyUse = { first: true } | { first: false; requestId: string; bodyHash: string };

/** What an API Idempotency-Key recorded at its first use, or null for a key never used. */
export async function findApiKey(db: D1Database, key: string): Promise<{ requestId: string; bodyHash: string } | null> {
  const row = await db
    .prepare(`SELECT request_id, body_hash FROM idempotency_keys WHERE key = ?1`)
    .bind(`api:${key}`)
    .first<Pick<IdempotencyKeyRow, "request_id" | "body_hash">>();
  return row?.request_id ? { requestId: row.request_id, bodyHash: row.body_hash ?? "" } : null;
}

/**
 * An API Idempotency-Key (POST /api/requests): the first use records the request id it starts and
 * the hash of its canonical body; a later use gets them back. One batch (a transaction): two
 * concurrent first uses cannot both be first.
 */
export async function useApiKey(db: D1Database, key: string, requestId: string, bodyHash: string): Promise<ApiKeyUse> {
  const [, found] = await db.batch<Pick<IdempotencyKeyRow, "request_id" | "body_hash">>([
    db
      .prepare(`INSERT INTO idempotency_keys (key, created_at, request_id, body_hash) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO NOTHING`)
      .bind(`api:${key}`, new Date().toISOString(), requestId, bodyHash),
    db.prepare(`SELECT request_id, body_hash FROM idempotency_keys WHERE key = ?1`).bind(`api:${key}`),
  ]);
  const row = found?.results[0];
  if (!row?.request_id || row.request_id === requestId) return { first: true };
  return { first: false, requestId: row.request_id, bodyHash: row.body_hash ?? "" };
}
