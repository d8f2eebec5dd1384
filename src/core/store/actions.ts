import { type CallResult, callResultSchema } from "../webhook";
import type { ActionCallRow } from "./rows";

/**
 * The action_calls table: each webhook call's result by its idempotency key, so a retried or
 * replayed step reuses the result instead of calling the receiver again.
 */

/** The recorded result of the call with this key, if any. */
export async function findActionCall(db: D1Database, key: string): Promise<CallResult | null> {
  const row = await db.prepare(`SELECT result FROM action_calls WHERE idempotency_key = ?1`).bind(key).first<Pick<ActionCallRow, "result">>();
  return row ? callResultSchema.parse(JSON.parse(row.result)) : null;
}

export async function recordActionCall(db: D1Database, key: string, requestId: string, result: CallResult, at: string): Promise<void> {
  await db
    .prepare(
      `INSERT INTO action_calls (idempotency_key, request_id, status, result, at) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (idempotency_key) DO UPDATE SET status = excluded.status, result = excluded.result, at = excluded.at`,
    )
    .bind(key, requestId, result.status, JSON.stringify(result), at)
    .run();
}
