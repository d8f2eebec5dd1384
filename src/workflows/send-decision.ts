import { isInstanceNotFound } from "../core/instances";
import { log } from "../core/log";
import type { Env } from "../env";
import { DECISION_EVENT, decisionEvent, type PersonDecision } from "./approval-params";

/**
 * Wakes a request's workflow after a claim (a click's, or a cancel's): the `decision` event. The
 * claim is the decision and is never given back: an event that fails here may still have been
 * delivered, and a claim given back could let it be read as a click that no longer counts. If it
 * is not sent, the workflow applies the claim when its current wait ends or when maintenance wakes
 * it (a claim pending for minutes), so a claimed decision is late at worst, never lost and never
 * undone. False: not sent (the caller tells the person it is recorded, or does not wait for it).
 */
export async function sendDecision(env: Env, id: string, event: PersonDecision): Promise<boolean> {
  try {
    const instance = await env.APPROVAL.get(id);
    await instance.sendEvent({ type: DECISION_EVENT, payload: decisionEvent(event) });
    log("info", "decision forwarded", { requestId: id, user: event.user, decision: event.decision });
    return true;
  } catch (err) {
    log("error", `${event.decision === "cancel" ? "cancel" : "decision"} event not delivered; the claim stands and will be applied`, {
      requestId: id,
      user: event.user,
      instanceGone: isInstanceNotFound(err),
      error: (err as Error).message,
    });
    return false;
  }
}
