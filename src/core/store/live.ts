import { filterWhere, type RequestFilters } from "./listing";
import type { RequestStatus } from "./rows";

/**
 * Stamps of what a dashboard page shows, for its live updates: a page asks for the stamp first
 * and fetches its content again only when the stamp changed. `live` says whether anything shown
 * can still change by itself (a pending request, a running action).
 */
export interface Stamp {
  stamp: string;
  live: boolean;
}

/** The list's stamp: any matching request added, changed (updated_at) or pruned changes it. */
export async function listStamp(db: D1Database, f: RequestFilters): Promise<Stamp> {
  const w = filterWhere(f, { withStatus: false });
  const row = await db
    .prepare(
      `SELECT count(*) AS n, max(updated_at) AS last, coalesce(sum(status = 'pending' OR action_status = 'running'), 0) AS open
       FROM requests ${w.sql}`,
    )
    .bind(...w.binds)
    .first<{ n: number; last: string | null; open: number }>();
  return { stamp: `${row?.n ?? 0}.${row?.last ?? ""}.${row?.open ?? 0}`, live: (row?.open ?? 0) > 0 };
}

/**
 * One request's stamp: its row (a claim and the action's progress too, which do not move
 * updated_at), and how many audit entries, votes and Slack messages it has. Null when unknown.
 */
export async function requestStamp(db: D1Database, id: string): Promise<Stamp | null> {
  const row = await db
    .prepare(
      `SELECT status, updated_at, claimed_by, action_status, action_progress,
         (SELECT count(*) FROM audit WHERE request_id = ?1) AS audit,
         (SELECT count(*) FROM votes WHERE request_id = ?1) AS votes,
         (SELECT count(*) FROM messages WHERE request_id = ?1) AS messages
       FROM requests WHERE id = ?1`,
    )
    .bind(id)
    .first<Record<string, string | number | null>>();
  if (!row) return null;
  return {
    stamp: Object.values(row)
      .map((v) => v ?? "")
      .join("."),
    live: row.status === "pending" || row.action_status === "running",
  };
}

/**
 * What a waiting API client (GET /api/requests/:id?wait=) watches: the status and how many audit
 * entries there are. One small query: the row by its key and a count over the audit table's
 * primary key (request_id, event_key), so it reads 1 + (the request's audit entries) rows. Null
 * when the request is not recorded (yet). `rowsRead`: what D1 reports it read, for the cost log.
 */
export async function requestProgress(db: D1Database, id: string): Promise<{ status: RequestStatus; audit: number; rowsRead: number } | null> {
  const result = await db
    .prepare(`SELECT status, (SELECT count(*) FROM audit WHERE request_id = ?1) AS audit FROM requests WHERE id = ?1`)
    .bind(id)
    .all<{ status: RequestStatus; audit: number }>();
  const row = result.results[0];
  return row ? { ...row, rowsRead: result.meta.rows_read ?? 0 } : null;
}
