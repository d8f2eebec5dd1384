/** Counts for /api/stats: the same the metrics report, from D1. */

export interface Stats {
  byStatus: Record<string, number>;
  byType: Record<string, Record<string, number>>;
  escalated: number;
  decisionLatencySeconds: { count: number; average: number | null; max: number | null };
  actions: Record<string, number>;
}

/** The same counts the metrics report, derived from D1. */
export async function stats(db: D1Database): Promise<Stats> {
  const [byType, escalated, latency, actions] = await db.batch<Record<string, unknown>>([
    db.prepare(`SELECT type, status, count(*) AS n FROM requests GROUP BY type, status`),
    db.prepare(`SELECT count(DISTINCT request_id) AS n FROM audit WHERE event = 'escalated'`),
    db.prepare(
      `SELECT count(*) AS n, avg((julianday(decided_at) - julianday(created_at)) * 86400) AS avg,
              max((julianday(decided_at) - julianday(created_at)) * 86400) AS max
       FROM requests WHERE decided_by IS NOT NULL`,
    ),
    db.prepare(`SELECT action_status AS status, count(*) AS n FROM requests WHERE action_status IS NOT NULL GROUP BY action_status`),
  ]);
  // Keyed by values from D1 (a type may be named `constructor`): objects without a prototype.
  const record = <T>(): Record<string, T> => Object.create(null);
  const result: Stats = {
    byStatus: record(),
    byType: record(),
    escalated: 0,
    decisionLatencySeconds: { count: 0, average: null, max: null },
    actions: record(),
  };
  for (const r of (byType?.results ?? []) as { type: string; status: string; n: number }[]) {
    result.byStatus[r.status] = (result.byStatus[r.status] ?? 0) + r.n;
    (result.byType[r.type] ??= record())[r.status] = r.n;
  }
  result.escalated = Number((escalated?.results[0] as { n: number } | undefined)?.n ?? 0);
  const l = latency?.results[0] as { n: number; avg: number | null; max: number | null } | undefined;
  const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
  result.decisionLatencySeconds = { count: l?.n ?? 0, average: round(l?.avg ?? null), max: round(l?.max ?? null) };
  for (const r of (actions?.results ?? []) as { status: string; n: number }[]) result.actions[r.status] = r.n;
  return result;
}
