import { apiActorFor } from "../core/ids";
import { instanceStatus } from "../core/instances";
import { log } from "../core/log";
import { pollUntil, waitForChange } from "../core/long-poll";
import { type ClaimDecision, claimApiCancel, getRequest, type RequestStatus } from "../core/store";
import type { Env } from "../env";
import { sendDecision } from "./send-decision";

/** How long a cancel waits for the workflow to record an outcome, so a read right after it shows it. */
const SETTLE_MS = 10_000;
const STATUS_OF: Record<ClaimDecision, RequestStatus> = { approve: "approved", reject: "rejected", cancel: "cancelled" };

export type CancelResult =
  /** `applied`: the workflow has closed the request with the cancel (else it does so when it is next woken). */
  | { ok: true; actor: string; applied: boolean }
  | { ok: false; problem: "unknown" }
  /** No longer pending: decided, expired or failed (or claimed by a click, whose decision `status` is). */
  | { ok: false; problem: "closed"; status: RequestStatus }
  /** Created a moment ago and still not recorded: try again. */
  | { ok: false; problem: "starting" };

/**
 * A pipeline cancels a request over the API. The cancel is a claim in D1, like the requester's
 * Cancel button (docs/architecture.md "The decision rule"): made by `api:<source name>` with its
 * reason, it decides, and it is never given back. The `decision` event only wakes the workflow,
 * which closes the request with the claim (store.closeByClaim); this returns once it has (at most
 * SETTLE_MS), so a read right after shows it. If the event cannot be sent, the cancel still stands:
 * the workflow applies it when it is next woken (the maintenance workflow wakes an instance whose
 * claim waits), or maintenance closes the request with it if the instance is gone.
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
    return { ok: false, problem: "closed", status: await settledStatus(env.DB, id, claim.status, claim.decision) };
  }
  const woken = await sendDecision(env, id, { decision: "cancel", user: actor, at, ...(reason ? { reason } : {}) });
  const applied = woken && (await waitForChange(env.DB, id, { waitMs: SETTLE_MS })).changed;
  log("info", "request cancelled over the API", { requestId: id, actor, applied });
  return { ok: true, actor, applied };
}

/**
 * The outcome of a request someone else closed or claimed: once the workflow has recorded it,
 * its status; while a claim is still being applied, the claim's decision (it decides).
 */
async function settledStatus(db: D1Database, id: string, status: RequestStatus, claimed: ClaimDecision | null): Promise<RequestStatus> {
  if (status !== "pending") return status;
  await waitForChange(db, id, { waitMs: SETTLE_MS });
  const row = await getRequest(db, id);
  if (row && row.status !== "pending") return row.status;
  const decision = row?.claimed_decision ?? claimed;
  return decision ? STATUS_OF[decision] : "pending";
}
