import type { ActionState, RequestStatus } from "./rows";

/**
 * Requests whose workflow instance has not finished, as D1 knows them, by workflow version: what
 * an operator reads before removing the code of an old version (GET /api/instances). An instance
 * waits while its request is pending (for a decision) and while its approved action still runs
 * (for the action's result).
 */

const WAITING = `(status = 'pending' OR action_status = 'running')`;

/** One request whose instance still waits. */
export interface WaitingRequest {
  id: string;
  type: string;
  /** The workflow version its instance was created with. */
  version: number;
  status: RequestStatus;
  level: number;
  /** When the wait it is in ends (a decision wait), as the instance recorded it. */
  waitUntil: string | null;
  actionStatus: ActionState | null;
  createdAt: string;
}

/** How many instances of each version still wait, and since when (the oldest's creation), lowest version first. */
export async function waitingByVersion(db: D1Database): Promise<{ version: number; waiting: number; oldestCreatedAt: string }[]> {
  const { results } = await db
    .prepare(
      `SELECT workflow_version AS version, COUNT(*) AS waiting, MIN(created_at) AS oldestCreatedAt
       FROM requests WHERE ${WAITING} GROUP BY workflow_version ORDER BY workflow_version`,
    )
    .all<{ version: number; waiting: number; oldestCreatedAt: string }>();
  return results;
}

/** The waiting requests (of one version, if given), oldest first, at most `limit`. */
export async function waitingRequests(db: D1Database, f: { version?: number | undefined; limit: number }): Promise<WaitingRequest[]> {
  const { results } = await db
    .prepare(
      `SELECT id, type, workflow_version AS version, status, level, wait_until AS waitUntil, action_status AS actionStatus, created_at AS createdAt
       FROM requests WHERE ${WAITING} AND (?1 IS NULL OR workflow_version = ?1)
       ORDER BY created_at, id LIMIT ?2`,
    )
    .bind(f.version ?? null, f.limit)
    .all<WaitingRequest>();
  return results;
}
