/**
 * Workflow instances by id, through a Workflows binding: create one once, and read its status.
 * The binding reports a missing instance as an error whose message names `instance.not_found`
 * (the local engine says exactly that); every other error is a real failure and is thrown on.
 */

/** True for the binding's "no instance with that id" error. */
export const isInstanceNotFound = (err: unknown): boolean => err instanceof Error && /not[._ ]?found/i.test(err.message);

/**
 * Creates a workflow instance unless one with that id exists already: a replayed step or a
 * repeated cron tick then finds the first instance instead of starting a second run. (Production
 * refuses a duplicate id; the local engine does not, so we look first.)
 */
export async function createOnce<P>(binding: Workflow<P>, id: string, params: P): Promise<"created" | "existed"> {
  try {
    await binding.get(id);
    return "existed";
  } catch (err) {
    if (!isInstanceNotFound(err)) throw err;
  }
  try {
    await binding.create({ id, params });
    return "created";
  } catch (err) {
    if (/already exists|already_exists/i.test((err as Error).message)) return "existed";
    throw err;
  }
}

/** What the API, the dashboard and a parent workflow need to know about an instance. */
export interface InstanceView {
  status: InstanceStatus["status"];
  /** The error's message, for an errored instance. */
  error?: string;
  /** What `run` returned, for a complete instance. */
  output?: unknown;
}

/** An instance's status, or null when there is no instance with that id (never created, or cleaned up). */
export async function instanceStatus(binding: Workflow, id: string): Promise<InstanceView | null> {
  let instance: WorkflowInstance;
  try {
    instance = await binding.get(id);
  } catch (err) {
    if (isInstanceNotFound(err)) return null;
    throw err;
  }
  const s = await instance.status();
  return { status: s.status, ...(s.error ? { error: s.error.message } : {}), ...(s.output ? { output: s.output } : {}) };
}

/**
 * Instance states in which an instance can still act on its own: it may be woken, never ended
 * from outside. "unknown" is in: an instance we cannot judge is not given up.
 */
const ALIVE: ReadonlySet<InstanceView["status"]> = new Set(["queued", "running", "paused", "waiting", "waitingForPause", "unknown"]);
export const isAlive = (status: InstanceView["status"]): boolean => ALIVE.has(status);
