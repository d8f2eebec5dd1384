import { requestProgress } from "./store";

/**
 * The long poll of GET /api/requests/:id?wait=: a loop of small D1 reads inside the request, with
 * backoff, until the request is no longer pending, its audit trail grows past what the client has
 * seen, or the wait ends. A Worker may wait that long (its CPU time counts only while it runs, a
 * few milliseconds per read), and a client that hangs up cancels the loop with its request.
 * Nothing is held between reads: no Durable Object, no connection to the workflow instance.
 *
 * Reads come after 0.25, 0.5, 1 and 2 s, then every 2 s: at most 32 queries in a 60 s wait, each
 * reading the request's row and counting its audit entries by primary key (README "API" has the
 * measured cost per waiting minute). With the route's two full reads that stays under the Free
 * plan's 50 D1 queries per Worker invocation.
 * @see https://developers.cloudflare.com/workers/platform/limits/ (no wall-clock limit while a client waits; CPU time)
 * @see https://developers.cloudflare.com/d1/platform/limits/ (queries per Worker invocation: 50 Free, 1,000 Paid)
 */
export const POLL_FIRST_DELAY_MS = 250;
export const POLL_MAX_DELAY_MS = 2_000;
/** The longest wait a client may ask for, in seconds. */
export const MAX_WAIT_SECONDS = 60;

export interface WaitOutcome {
  /** Whether something changed (decided, or more audit entries than `after`); false when the wait ran out. */
  changed: boolean;
  /** D1 queries made, and the rows D1 says they read: the wait's cost. */
  reads: number;
  rowsRead: number;
  waitedMs: number;
}

export interface WaitOptions {
  /** How long to wait at most, in milliseconds. */
  waitMs: number;
  /** Also stop when the audit trail has more entries than this (the client has seen `after`). */
  after?: number | undefined;
  /** Stops the loop (the client went away). */
  signal?: AbortSignal | undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });

/**
 * Calls `check` after 0.25, 0.5, 1, 2 s and then every 2 s until it returns a value (not null),
 * the wait ends or `signal` aborts. Sleeps before its first call: the caller has just looked.
 */
export async function pollUntil<T>(
  check: () => Promise<T | null>,
  o: { waitMs: number; signal?: AbortSignal | undefined },
): Promise<{ value: T | null; reads: number; waitedMs: number }> {
  const started = Date.now();
  const deadline = started + o.waitMs;
  let delay = POLL_FIRST_DELAY_MS;
  let reads = 0;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0 || o.signal?.aborted) return { value: null, reads, waitedMs: Date.now() - started };
    await sleep(Math.min(delay, left), o.signal);
    delay = Math.min(delay * 2, POLL_MAX_DELAY_MS);
    if (o.signal?.aborted) return { value: null, reads, waitedMs: Date.now() - started };
    reads++;
    const value = await check();
    if (value !== null) return { value, reads, waitedMs: Date.now() - started };
  }
}

/**
 * Waits until request `id` is no longer pending (or its trail has more than `after` entries).
 * A request not recorded yet (its workflow is starting) counts as pending.
 */
export async function waitForChange(db: D1Database, id: string, o: WaitOptions): Promise<WaitOutcome> {
  let rowsRead = 0;
  const polled = await pollUntil(async () => {
    const p = await requestProgress(db, id);
    rowsRead += p?.rowsRead ?? 0;
    return p && (p.status !== "pending" || (o.after !== undefined && p.audit > o.after)) ? true : null;
  }, o);
  return { changed: polled.value === true, reads: polled.reads, rowsRead, waitedMs: polled.waitedMs };
}
