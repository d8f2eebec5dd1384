import { apiActorFor } from "../core/ids";
import { instanceStatus, isInstanceNotFound } from "../core/instances";
import { log } from "../core/log";
import { pollUntil, waitForChange } from "../core/long-poll";
import { type ClaimedDecision, claimApiCancel, claimedDecision, getRequest, type RequestStatus, releaseClaim } from "../core/store";
import type { Env } from "../env";
import { DECISION_EVENT, type PersonDecision } from "./approval-params";

/** How long a cancel waits for the workflow to record an outcome, so a read right after it shows it. */
const SETTLE_MS = 10_000;
const STATUS_OF: Record<ClaimedDecision["decision"], RequestStatus> = { approve: "approved", reject: "rejected", cancel: "cancelled" };

export type CancelResult =
  | { ok: true; actor: string }
  | { ok: false; problem: "unknown" }
  /** No longer pending: decided, expired or failed (or claimed by a click, whose decision `status` is). */
  | { ok: false; problem: "closed"; status: RequestStatus }
  /** Created a moment ago and still not recorded, or the event could not be delivered: try again. */
  | { ok: false; problem: "starting" | "undelivered" };

/**
 * A pipeline cancels a request over the API: the same claim in D1 as the requester's Cancel button
 * (by `api:<source name>`, with the reason), then the `decision` event; it returns once the
 * workflow has recorded the outcome (at most SETTLE_MS), so a read right after shows it.
 */
export async function cancelRequest(env: Env, id: string, reason: string | null): Promise<CancelResult> {
  let row = await getRequest(env.DB, id);
  if (!row) {
    if (!(await instanceStatus(env.APPROVAL, id))) return { ok: false, problem: "unknown" };
    // Created a moment ago: its workflow records it within moments.
    row = (await pollUntil(() => getRequest(env.DB, id), { waitMs: SETTLE_MS })).value;
    if (!row) return { ok: false, problem: "starting" };
  }
  const actor = apiActorFor(row.source?.name);
  const at = new Date().toISOString();
  const claim = await claimApiCancel(env.DB, id, actor, at, reason);
  if (!claim.ok) {
    if (claim.reason === "unknown") return { ok: false, problem: "unknown" };
    return { ok: false, problem: "closed", status: await settledStatus(env.DB, id, claim.status) };
  }
  const problem = await deliver(env, id, { decision: "cancel", user: actor, at, ...(reason ? { reason } : {}) });
  if (problem) return { ok: false, problem };
  await waitForChange(env.DB, id, { waitMs: SETTLE_MS });
  log("info", "request cancelled over the API", { requestId: id, actor });
  return { ok: true, actor };
}

/**
 * The outcome of a request someone else closed or claimed: once the workflow has recorded it,
 * its status; while a claim is still being recorded, the claim's decision (it decides).
 */
async function settledStatus(db: D1Database, id: string, status: RequestStatus): Promise<RequestStatus> {
  if (status !== "pending") return status;
  await waitForChange(db, id, { waitMs: SETTLE_MS });
  const row = await getRequest(db, id);
  if (row && row.status !== "pending") return row.status;
  const claimed = await claimedDecision(db, id);
  return claimed ? STATUS_OF[claimed.decision] : "pending";
}

/**
 * Sends the cancel to the workflow, as the click route sends a click: if that fails, the claim is
 * given back so the caller can try again; if even that fails, the claim stays and the workflow
 * decides from D1 when its wait ends (the cancel is late, never lost).
 */
async function deliver(env: Env, id: string, event: PersonDecision): Promise<"unknown" | "undelivered" | null> {
  try {
    const instance = await env.APPROVAL.get(id);
    await instance.sendEvent({ type: DECISION_EVENT, payload: event });
    return null;
  } catch (err) {
    log("error", "cancel not delivered", { requestId: id, user: event.user, error: (err as Error).message });
    try {
      await releaseClaim(env.DB, id, event.user);
    } catch (releaseErr) {
      log("error", "claim not released; the workflow will decide from it", { requestId: id, user: event.user, error: (releaseErr as Error).message });
      return null;
    }
    return isInstanceNotFound(err) ? "unknown" : "undelivered";
  }
}
