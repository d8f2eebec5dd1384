import type { FunctionRunRow } from "./rows";

/**
 * The function_runs table: Workflow Builder step runs (function_executed), one per execution id.
 * It keeps the freshest workflow token Slack gave us (the event's, then each click's) so the step
 * can be completed with it hours later, and records how the step was completed, once.
 */

/**
 * Records a run, or a newer workflow token for it (a click carries one): a token replaces the
 * stored one only when it is newer and the step is not completed yet (completion revokes tokens).
 */
export async function saveFunctionToken(
  db: D1Database,
  r: { executionId: string; requestId: string; workflowExecutionId?: string | null; token: string | null; at: string },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO function_runs (execution_id, request_id, workflow_execution_id, token, token_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
       ON CONFLICT (execution_id) DO UPDATE SET token = excluded.token, token_at = excluded.token_at
         WHERE function_runs.completed_at IS NULL AND excluded.token IS NOT NULL AND (function_runs.token_at IS NULL OR excluded.token_at > function_runs.token_at)`,
    )
    .bind(r.executionId, r.requestId, r.workflowExecutionId ?? null, r.token, r.at)
    .run();
}

/** A newer workflow token from a click on a request's message, for a run we know (nothing for an unknown execution). */
export async function refreshFunctionToken(db: D1Database, r: { executionId: string; requestId: string; token: string; at: string }): Promise<void> {
  await db
    .prepare(
      `UPDATE function_runs SET token = ?3, token_at = ?4 WHERE execution_id = ?1 AND request_id = ?2 AND completed_at IS NULL AND (token_at IS NULL OR token_at < ?4)`,
    )
    .bind(r.executionId, r.requestId, r.token, r.at)
    .run();
}

export async function getFunctionRun(db: D1Database, executionId: string): Promise<FunctionRunRow | null> {
  return db.prepare(`SELECT * FROM function_runs WHERE execution_id = ?1`).bind(executionId).first<FunctionRunRow>();
}

/** The run of a request, if a Workflow Builder step started it. */
export async function functionRunOf(db: D1Database, requestId: string): Promise<FunctionRunRow | null> {
  return db.prepare(`SELECT * FROM function_runs WHERE request_id = ?1`).bind(requestId).first<FunctionRunRow>();
}

/**
 * Records how the step was completed, once: the first record wins (a replay or a second path
 * finds it completed). The token is dropped: completing a step revokes it.
 */
export async function recordFunctionCompletion(
  db: D1Database,
  executionId: string,
  c: { completion: "success" | "error" | null; via: string | null; detail: string; at: string },
): Promise<boolean> {
  const row = await db
    .prepare(
      `UPDATE function_runs SET completed_at = ?2, completion = ?3, via = ?4, detail = ?5, token = NULL
       WHERE execution_id = ?1 AND completed_at IS NULL RETURNING execution_id`,
    )
    .bind(executionId, c.at, c.completion, c.via, c.detail)
    .first();
  return row !== null;
}
