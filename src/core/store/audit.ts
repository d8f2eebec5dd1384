import type { AuditEntry } from "./rows";

/** The audit table: the append-only trail of each request. */

/** Appends to the audit trail; the (request, key) pair makes a replay a no-op. */
export function auditStatement(
  db: D1Database,
  e: { requestId: string; key: string; event: string; actor?: string | null; detail?: string | null; at: string },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO audit (request_id, event_key, event, actor, detail, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (request_id, event_key) DO NOTHING`,
    )
    .bind(e.requestId, e.key, e.event, e.actor ?? null, e.detail ?? null, e.at);
}

export async function audit(db: D1Database, e: Parameters<typeof auditStatement>[1]): Promise<void> {
  await auditStatement(db, e).run();
}

export async function getAudit(db: D1Database, id: string): Promise<AuditEntry[]> {
  const { results } = await db.prepare(`SELECT event, actor, detail, at FROM audit WHERE request_id = ?1 ORDER BY at, rowid`).bind(id).all<AuditEntry>();
  return results;
}
