import { type InstanceView, instanceStatus, isAlive } from "../core/instances";
import { log } from "../core/log";
import { getRequest } from "../core/store";
import type { Env } from "../env";
import { ACTION_WAKE_EVENT } from "./action-params";
import { actionInstanceId } from "./approval/action-child";
import { DECISION_EVENT, wakeEvent } from "./approval-params";

export type WakeResult =
  /** `woken`: the request's instance was sent a wake-up; `action`: its running action's child, when it has one. */
  | { ok: true; woken: boolean; workflow: InstanceView; action?: { woken: boolean; workflow: InstanceView | null } }
  | { ok: false; problem: "unknown" }
  /** Neither the instance nor a running action's child can act any more (complete, errored, terminated). */
  | { ok: false; problem: "finished"; workflow: InstanceView };

/**
 * An operator wakes a stuck request's instance now (docs/runbook.md), as maintenance would: it
 * reads D1 and applies a claim, goes on as after a timeout when its wait is past its deadline, or
 * waits on. When the request's action still runs, its ActionWorkflow child is woken too (the local
 * engine loses a sleeping instance's timer when `wrangler dev` stops; an event brings it back).
 * Harmless to repeat: a wake-up decides nothing.
 */
export async function wakeRequest(env: Env, id: string): Promise<WakeResult> {
  const [workflow, row] = await Promise.all([instanceStatus(env.APPROVAL, id), getRequest(env.DB, id)]);
  if (!workflow) return { ok: false, problem: "unknown" };
  const woken = isAlive(workflow.status);
  if (woken) await (await env.APPROVAL.get(id)).sendEvent({ type: DECISION_EVENT, payload: wakeEvent() });
  let action: { woken: boolean; workflow: InstanceView | null } | undefined;
  if (row?.action_status === "running") {
    const childId = actionInstanceId(id);
    const child = await instanceStatus(env.ACTION, childId);
    action = { woken: child !== null && isAlive(child.status), workflow: child };
    if (action.woken) await (await env.ACTION.get(childId)).sendEvent({ type: ACTION_WAKE_EVENT, payload: wakeEvent() });
  }
  if (!woken && !action?.woken) return { ok: false, problem: "finished", workflow };
  log("warn", "instance woken by an operator", { requestId: id, status: workflow.status, actionWoken: action?.woken ?? false });
  return { ok: true, woken, workflow, ...(action ? { action } : {}) };
}
