import { filterWhere, type RequestFilters } from "./listing";
import { type ActionState, parseRequester, parseSource, type RequestRow, type RequestStatus } from "./rows";

/**
 * The dashboard overview's aggregates, grouped by D1 over the requests created in a window of
 * days (the list's filters; status is left out: the charts are about outcomes). One batch.
 */

/** The overview's filters: a window of UTC days, both ends included, always bounded. */
export type OverviewFilters = Omit<RequestFilters, "status" | "from" | "to"> & { from: string; to: string };

/**
 * Upper bounds (seconds, exclusive) of the time-to-decision buckets: under 1 minute, 5 and 15
 * minutes, 1 and 4 hours, 1 and 3 days; the last bucket has no bound.
 */
export const DECISION_BUCKET_BOUNDS = [60, 300, 900, 3600, 14_400, 86_400, 259_200] as const;

export interface DayCount {
  /** YYYY-MM-DD (UTC) of created_at. */
  day: string;
  status: RequestStatus;
  n: number;
}

export interface DecisionTimes {
  /** Requests decided by a person (approved or rejected, also those whose action then failed). */
  count: number;
  /** Percentiles by the nearest-rank method, in seconds (one decimal); null without decisions. */
  p50: number | null;
  p90: number | null;
  max: number | null;
  /** Decisions per bucket (index into DECISION_BUCKET_BOUNDS, the last index for "longer"); every bucket listed. */
  buckets: number[];
}

export interface TypeRates {
  type: string;
  total: number;
  /** Requests that reached level 2 or later. */
  escalated: number;
  expired: number;
  pending: number;
}

export type PendingRequest = Pick<RequestRow, "id" | "type" | "requester" | "source" | "description" | "level" | "claimed_by" | "created_at" | "expires_at"> & {
  /** The current approvers who have not voted yet. */
  waiting_for: string[];
};

export interface Overview {
  perDay: DayCount[];
  decisionTimes: DecisionTimes;
  types: TypeRates[];
  /** Pending now, oldest first, whatever the window (an old stuck request is the one to see). */
  pending: { rows: PendingRequest[]; total: number };
  actions: { status: ActionState; n: number }[];
}

const bucketCase = `CASE ${DECISION_BUCKET_BOUNDS.map((b, i) => `WHEN s < ${b} THEN ${i}`).join(" ")} ELSE ${DECISION_BUCKET_BOUNDS.length} END`;

export async function overview(db: D1Database, f: OverviewFilters, pendingLimit: number): Promise<Overview> {
  const all = filterWhere(f, { withStatus: false });
  // Time to decision: from creation to the deciding click (cancellations and expiries are not decisions).
  const decided = filterWhere(f, { withStatus: false, also: ["decided_by IS NOT NULL", "decided_at IS NOT NULL", "status != 'cancelled'"] });
  const decidedCte = `WITH d AS (SELECT round((julianday(decided_at) - julianday(created_at)) * 86400, 1) AS s FROM requests ${decided.sql})`;
  const acted = filterWhere(f, { withStatus: false, also: ["action_status IS NOT NULL"] });
  const pendingWhere = filterWhere({ ...f, from: undefined, to: undefined }, { withStatus: false, also: ["status = 'pending'"] });
  const [perDay, percentiles, buckets, types, pending, actions] = await db.batch<Record<string, unknown>>([
    db
      .prepare(`SELECT substr(created_at, 1, 10) AS day, status, count(*) AS n FROM requests ${all.sql} GROUP BY day, status ORDER BY day, status`)
      .bind(...all.binds),
    // Nearest rank: the value at rank ceil(p/100 * n), in integer arithmetic.
    db
      .prepare(
        `${decidedCte}, r AS (SELECT s, row_number() OVER (ORDER BY s) AS rn, count(*) OVER () AS n FROM d)
         SELECT count(*) AS n, max(CASE WHEN rn = (n * 50 + 99) / 100 THEN s END) AS p50,
                max(CASE WHEN rn = (n * 90 + 99) / 100 THEN s END) AS p90, max(s) AS max FROM r`,
      )
      .bind(...decided.binds),
    db.prepare(`${decidedCte} SELECT ${bucketCase} AS bucket, count(*) AS n FROM d GROUP BY bucket`).bind(...decided.binds),
    db
      .prepare(
        `SELECT type, count(*) AS total, sum(level > 1) AS escalated, sum(status = 'expired') AS expired, sum(status = 'pending') AS pending
         FROM requests ${all.sql} GROUP BY type ORDER BY total DESC, type`,
      )
      .bind(...all.binds),
    db
      .prepare(
        `SELECT id, type, requester, source, description, level, claimed_by, created_at, expires_at,
           (SELECT json_group_array(a.value) FROM json_each(requests.approvers) a
            WHERE NOT EXISTS (SELECT 1 FROM votes v WHERE v.request_id = requests.id AND v.user_id = a.value)) AS waiting_for,
           count(*) OVER () AS total
         FROM requests ${pendingWhere.sql} ORDER BY created_at, id LIMIT ?${pendingWhere.binds.length + 1}`,
      )
      .bind(...pendingWhere.binds, pendingLimit),
    db
      .prepare(`SELECT action_status AS status, count(*) AS n FROM requests ${acted.sql} GROUP BY action_status ORDER BY n DESC, action_status`)
      .bind(...acted.binds),
  ]);
  const rows = <T>(r: D1Result<Record<string, unknown>> | undefined) => (r?.results ?? []) as T[];
  const p = rows<{ n: number; p50: number | null; p90: number | null; max: number | null }>(percentiles)[0];
  const counts = new Array<number>(DECISION_BUCKET_BOUNDS.length + 1).fill(0);
  for (const b of rows<{ bucket: number; n: number }>(buckets)) counts[b.bucket] = b.n;
  const pendingRows = rows<
    Omit<PendingRequest, "waiting_for" | "requester" | "source"> & { requester: string; source: string | null; waiting_for: string; total: number }
  >(pending);
  return {
    perDay: rows<DayCount>(perDay),
    decisionTimes: { count: p?.n ?? 0, p50: p?.p50 ?? null, p90: p?.p90 ?? null, max: p?.max ?? null, buckets: counts },
    types: rows<TypeRates>(types).map((t) => ({ ...t, escalated: t.escalated ?? 0, expired: t.expired ?? 0, pending: t.pending ?? 0 })),
    pending: {
      rows: pendingRows.map(({ total: _total, waiting_for, requester, source, ...r }) => ({
        ...r,
        requester: parseRequester(requester),
        source: parseSource(source),
        waiting_for: JSON.parse(waiting_for) as string[],
      })),
      total: pendingRows[0]?.total ?? 0,
    },
    actions: rows<{ status: ActionState; n: number }>(actions),
  };
}
