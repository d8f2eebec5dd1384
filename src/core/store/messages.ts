import type { StoredMessage } from "./rows";

/** The messages table: the Slack messages a workflow posted for a request, so each can be updated. */

export async function saveMessage(db: D1Database, requestId: string, m: StoredMessage): Promise<void> {
  await db
    .prepare(
      `INSERT INTO messages (request_id, role, user_id, channel, ts) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (request_id, role) DO UPDATE SET user_id = excluded.user_id, channel = excluded.channel, ts = excluded.ts`,
    )
    .bind(requestId, m.role, m.user_id, m.channel, m.ts)
    .run();
}

export async function listMessages(db: D1Database, requestId: string): Promise<StoredMessage[]> {
  const { results } = await db
    .prepare(`SELECT role, user_id, channel, ts FROM messages WHERE request_id = ?1 ORDER BY role`)
    .bind(requestId)
    .all<StoredMessage>();
  return results;
}
