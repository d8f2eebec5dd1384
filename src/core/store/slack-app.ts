import type { SlackAppEventRow } from "./rows";

/**
 * The Slack app's own events: Events API deliveries already handled (slack_events), and what
 * happened to the installation and its bot token (slack_app_events).
 */

/** How long a handled event_id is kept: Slack's retries come within about 5 minutes. */
const EVENT_IDS_KEPT_MS = 24 * 60 * 60 * 1000;

/**
 * Records the first delivery of an event; false when `eventId` was handled before (a retry with
 * X-Slack-Retry-Num). In D1, not KV: one atomic, consistent insert, so two deliveries racing each
 * other act once, whereas KV may take up to a minute to show a write elsewhere, and Slack's
 * http_timeout retry comes about 3 s after the first attempt, maybe while it is still running.
 * Ids older than a day (Slack's retries end after about 5 minutes) are deleted in the same batch.
 * @see https://docs.slack.dev/apis/events-api/ (retries: X-Slack-Retry-Num, the same event_id)
 * @see https://developers.cloudflare.com/kv/concepts/how-kv-works/ (eventual consistency)
 */
export async function firstDelivery(db: D1Database, eventId: string, type: string, at = new Date()): Promise<boolean> {
  const [inserted] = await db.batch([
    db
      .prepare(`INSERT INTO slack_events (event_id, type, received_at) VALUES (?1, ?2, ?3) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`)
      .bind(eventId, type, at.toISOString()),
    db.prepare(`DELETE FROM slack_events WHERE received_at < ?1`).bind(new Date(at.getTime() - EVENT_IDS_KEPT_MS).toISOString()),
  ]);
  return (inserted?.results.length ?? 0) > 0;
}

/** Forgets a delivery whose handling failed, so Slack's retry of it (the same event_id) is handled. */
export async function forgetDelivery(db: D1Database, eventId: string): Promise<void> {
  await db.prepare(`DELETE FROM slack_events WHERE event_id = ?1`).bind(eventId).run();
}

export type NewSlackAppEvent = Omit<SlackAppEventRow, "id">;

export async function recordAppEvent(db: D1Database, e: NewSlackAppEvent): Promise<void> {
  await db
    .prepare(`INSERT INTO slack_app_events (event, bot_token, token_id, team_id, enterprise_id, detail, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`)
    .bind(e.event, e.bot_token, e.token_id, e.team_id, e.enterprise_id, e.detail, e.at)
    .run();
}

/** The latest event that says whether this bot token works (null: nothing ever said it does not). */
export async function botTokenState(db: D1Database, tokenId: string): Promise<SlackAppEventRow | null> {
  return db
    .prepare(`SELECT * FROM slack_app_events WHERE token_id = ?1 AND bot_token IS NOT NULL ORDER BY id DESC LIMIT 1`)
    .bind(tokenId)
    .first<SlackAppEventRow>();
}

/** The latest app events, newest first (for /api/stats). */
export async function recentAppEvents(db: D1Database, limit = 20): Promise<SlackAppEventRow[]> {
  const { results } = await db.prepare(`SELECT * FROM slack_app_events ORDER BY id DESC LIMIT ?1`).bind(limit).all<SlackAppEventRow>();
  return results;
}
