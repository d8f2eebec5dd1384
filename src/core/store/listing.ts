import {
  type FilteredRequest,
  type ListedRequest,
  parseApprovers,
  parseFields,
  parseListedRequest,
  parseRequester,
  parseSource,
  type RawListedRequest,
  type RequestStatus,
} from "./rows";

/** Lists of requests: what waits for a user, a requester's own, and the dashboard's filtered list. */

/**
 * Pending requests `user` can still decide (an approver who has not voted), oldest first. A
 * delegate only while the delegation they were asked through still holds.
 */
export async function waitingFor(db: D1Database, user: string, limit = 10, at = new Date().toISOString()): Promise<ListedRequest[]> {
  const { results } = await db
    .prepare(
      `SELECT r.id, r.type, r.requester, r.source, r.fields, r.description, r.description_rich, r.status, r.created_at FROM requests r
       WHERE r.status = 'pending' AND r.claimed_by IS NULL
         AND EXISTS (SELECT 1 FROM json_each(r.approvers) WHERE value = ?1)
         AND (r.allow_self = 1 OR r.requester != ?1)
         AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.request_id = r.id AND v.user_id = ?1)
         AND (NOT EXISTS (SELECT 1 FROM json_each(r.delegations) d WHERE json_extract(d.value, '$.delegate') = ?1)
           OR EXISTS (SELECT 1 FROM json_each(r.level_groups) g, json_each(g.value, '$.approvers') a WHERE a.value = ?1)
           OR EXISTS (SELECT 1 FROM json_each(r.delegations) d JOIN delegations dl ON dl.id = json_extract(d.value, '$.id')
                      WHERE json_extract(d.value, '$.delegate') = ?1 AND dl.ended_at IS NULL AND dl.until > ?3))
       ORDER BY r.created_at LIMIT ?2`,
    )
    .bind(user, limit, at)
    .all<RawListedRequest>();
  return results.map(parseListedRequest);
}

/** A requester's requests: open ones first, then the latest closed ones. */
export async function requestsBy(db: D1Database, user: string, limit = 10, onlyOpen = false): Promise<ListedRequest[]> {
  const { results } = await db
    .prepare(
      `SELECT id, type, requester, source, fields, description, description_rich, status, created_at FROM requests
       WHERE requester = ?1 ${onlyOpen ? "AND status = 'pending'" : ""}
       ORDER BY status = 'pending' DESC, created_at DESC LIMIT ?2`,
    )
    .bind(user, limit)
    .all<RawListedRequest>();
  return results.map(parseListedRequest);
}

/** The dashboard's filters, already validated; dates are UTC days (YYYY-MM-DD), both ends included. */
export interface RequestFilters {
  status?: RequestStatus | undefined;
  type?: string | undefined;
  requester?: string | undefined;
  /** Someone who could decide the request, or did. */
  approver?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/**
 * WHERE clause and bindings for the filters (created_at is an ISO timestamp in UTC); `also` adds
 * fixed conditions of the caller (no values: those are bound). Used by the overview too.
 */
export function filterWhere(f: RequestFilters, options: { withStatus: boolean; also?: string[] } = { withStatus: true }): { sql: string; binds: unknown[] } {
  const clauses: string[] = [...(options.also ?? [])];
  const binds: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    clauses.push(
      sql.replace(/\?/g, () => {
        binds.push(values.shift());
        return `?${binds.length}`;
      }),
    );
  };
  if (options.withStatus && f.status) add("status = ?", f.status);
  if (f.type) add("type = ?", f.type);
  if (f.requester) add("requester = ?", f.requester);
  if (f.approver) add("(decided_by = ? OR EXISTS (SELECT 1 FROM json_each(requests.approvers) WHERE value = ?))", f.approver, f.approver);
  if (f.from) add("created_at >= ?", `${f.from}T00:00:00.000Z`);
  if (f.to) add("created_at < ?", new Date(Date.parse(`${f.to}T00:00:00Z`) + 86_400_000).toISOString());
  return { sql: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", binds };
}

const LISTED_COLUMNS = "id, type, requester, source, fields, description, approvers, level, status, decided_by, decided_at, error, created_at, updated_at";

/** The newest `limit` requests matching the filters (the dashboard's page, and its CSV export). */
export async function listRequests(db: D1Database, f: RequestFilters, limit: number): Promise<FilteredRequest[]> {
  const w = filterWhere(f);
  const { results } = await db
    .prepare(`SELECT ${LISTED_COLUMNS} FROM requests ${w.sql} ORDER BY created_at DESC, id DESC LIMIT ?${w.binds.length + 1}`)
    .bind(...w.binds, limit)
    .all<
      Omit<FilteredRequest, "requester" | "source" | "fields" | "approvers"> & {
        requester: string;
        source: string | null;
        fields: string | null;
        approvers: string;
      }
    >();
  return results.map((r) => ({
    ...r,
    requester: parseRequester(r.requester),
    source: parseSource(r.source),
    fields: parseFields(r.fields),
    approvers: parseApprovers(r.approvers),
  }));
}

/** How many requests match the filters, by status (the status filter itself left out). */
export async function countByStatus(db: D1Database, f: RequestFilters): Promise<Partial<Record<RequestStatus, number>>> {
  const w = filterWhere(f, { withStatus: false });
  const { results } = await db
    .prepare(`SELECT status, COUNT(*) AS n FROM requests ${w.sql} GROUP BY status`)
    .bind(...w.binds)
    .all<{ status: RequestStatus; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}
