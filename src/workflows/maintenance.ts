import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { loadConfig } from "../config";
import { durationMs } from "../core/duration";
import { instanceStatus, isAlive } from "../core/instances";
import { log } from "../core/log";
import { metric } from "../core/metrics";
import * as store from "../core/store";
import type { Env } from "../env";
import { stepOutputs } from "../slack/functions";
import { DECISION_EVENT, wakeEvent } from "./approval-params";
import { MAINTENANCE_NOTE, showClosedInSlack } from "./closed-in-slack";
import { completeFunctionRun } from "./function-completion";
import { MAINTENANCE_STEPS as STEP } from "./step-names";
import { D1_STEP, WORKFLOW_CALL_STEP } from "./steps";

/** How long past the end of its current wait (recorded by the instance) a request may lag before its instance is asked. */
const WAIT_GRACE_MS = 10 * 60_000;
/** How long a claim may wait to be applied (its event should wake the instance at once) before the instance is asked. */
const CLAIM_GRACE_MS = 2 * 60_000;

/** A maintenance run's params: when the cron fired, and the workflow version that started it (versions.ts). */
export interface MaintenanceParams {
  v?: number;
  startedAt: string;
}

export interface MaintenanceOutput {
  /** Overdue requests whose instance lives: sent a wake-up, so it decides, escalates or expires by itself. */
  woken: string[];
  /** Overdue requests whose instance is dead (errored, terminated, finished or gone): closed in D1. */
  ended: string[];
  pruned: { audit: number; calls: number };
}

/**
 * Clean-up, started by the cron trigger. It never ends a request whose instance still lives:
 * - an overdue request (past the deadline its instance recorded when its wait started, or
 *   claimed a while ago and still pending) is a question for its instance: one that lives is
 *   woken with a `wake` event, and finds out for itself what to do (apply the claim, or go on as
 *   after a timeout: the local engine loses a pending timeout across a restart until the
 *   instance is woken); one that is dead has its request closed in D1: with its claim when it
 *   has one (the claim is the decision), else expired (failed, if the instance errored), and its
 *   Slack messages then show how it ended (closed-in-slack.ts);
 * - audit records, action call records and idempotency keys older than AUDIT_RETENTION are pruned.
 * Every step is idempotent, so two overlapping runs do no harm.
 */
export class MaintenanceWorkflow extends WorkflowEntrypoint<Env, MaintenanceParams> {
  override async run(event: Readonly<WorkflowEvent<MaintenanceParams>>, step: WorkflowStep): Promise<MaintenanceOutput> {
    const config = loadConfig(this.env);
    const overdue = await step.do(STEP.findOverdue, D1_STEP, () =>
      store.overdueRequests(this.env.DB, {
        waitsBefore: new Date(Date.now() - WAIT_GRACE_MS).toISOString(),
        claimsBefore: new Date(Date.now() - CLAIM_GRACE_MS).toISOString(),
      }),
    );
    const output: MaintenanceOutput = { woken: [], ended: [], pruned: { audit: 0, calls: 0 } };
    for (const request of overdue) {
      try {
        const done = await step.do(STEP.check(request.id), WORKFLOW_CALL_STEP, () => this.settle(request, event.instanceId));
        if (done !== "nothing") output[done].push(request.id);
        // Also after "nothing": a retried check finds its own earlier close done. Slack is shown
        // only what maintenance closed (its note in D1), once (closed-in-slack.ts).
        if (done !== "woken") await this.showInSlack(step, request.id, event.instanceId);
      } catch (err) {
        // One request that cannot be settled now must not keep the others (or the pruning) waiting.
        log("error", "overdue request not settled", {
          requestId: request.id,
          instanceId: event.instanceId,
          step: STEP.check(request.id),
          error: (err as Error).message,
        });
      }
    }
    output.pruned = await step.do(STEP.prune, D1_STEP, async () => {
      const before = new Date(Date.now() - durationMs(config.AUDIT_RETENTION)).toISOString();
      const counts = await store.pruneBefore(this.env.DB, before);
      log("info", "old records pruned", { instanceId: event.instanceId, step: STEP.prune, audit: counts.audit, calls: counts.calls });
      return counts;
    });
    return output;
  }

  /** A closed request's Slack messages, best effort: a failure here is logged and leaves the close as it is. */
  private async showInSlack(step: WorkflowStep, id: string, instanceId: string): Promise<void> {
    try {
      await showClosedInSlack(this.env, step, id);
    } catch (err) {
      log("warn", "closed request not shown in Slack", { requestId: id, instanceId, error: (err as Error).message });
    }
  }

  /** Asks the request's instance how it is: wakes it if it lives, closes its request in D1 if not. */
  private async settle(request: store.OverdueRequest, instanceId: string): Promise<"woken" | "ended" | "nothing"> {
    const { id } = request;
    const fields = { requestId: id, instanceId, step: STEP.check(id) };
    const instance = await instanceStatus(this.env.APPROVAL, id);
    if (instance && isAlive(instance.status)) {
      await (await this.env.APPROVAL.get(id)).sendEvent({ type: DECISION_EVENT, payload: wakeEvent() });
      log("warn", "overdue instance woken", { ...fields, status: instance.status, claimed: request.claimed });
      return "woken";
    }
    const state = instance?.status ?? "gone";
    const at = new Date().toISOString();
    if (request.claimed) {
      const note = `${MAINTENANCE_NOTE} from its claim: its workflow instance is ${state}, so no action was run`;
      const outcome = await store.closeByClaim(this.env.DB, id, at, note);
      if (!outcome?.closedNow) return "nothing";
      metric(this.env.METRICS, "request_decided", { type: request.type, detail: outcome.status });
      log("warn", "claimed request of a dead instance closed with its claim", { ...fields, state, status: outcome.status, decidedBy: outcome.by });
      await this.endStep(id, outcome.status === "cancelled" ? null : { status: outcome.status, by: outcome.by, reason: outcome.reason });
      return "ended";
    }
    const errored = instance?.status === "errored";
    const closed = await store.closeRequest(this.env.DB, {
      id,
      status: errored ? "failed" : "expired",
      at,
      error: errored
        ? `${MAINTENANCE_NOTE}: its workflow instance errored: ${instance.error ?? "no detail"}`
        : `${MAINTENANCE_NOTE}: its workflow instance is ${state}`,
    });
    if (!closed) return "nothing";
    if (!errored) metric(this.env.METRICS, "request_expired", { type: request.type, detail: "maintenance" });
    log("warn", "request of a dead instance ended", { ...fields, state });
    await this.endStep(id, null);
    return "ended";
  }

  /**
   * A request a Workflow Builder step started, closed here because its instance died: the step
   * is completed too (once: function-completion.ts), so the workflow does not wait forever.
   * Best effort: the close stands either way.
   */
  private async endStep(id: string, decided: { status: "approved" | "rejected"; by: string; reason: string | null } | null): Promise<void> {
    const run = await store.functionRunOf(this.env.DB, id).catch(() => null);
    if (!run || run.completed_at) return;
    const end = decided
      ? { kind: "success" as const, outputs: stepOutputs({ status: decided.status, decidedBy: decided.by, reason: decided.reason, requestId: id }) }
      : { kind: "error" as const, error: `Approval request ${id} ended without a decision.` };
    await completeFunctionRun(this.env, run.execution_id, end).catch((err) =>
      log("error", "workflow step not completed", { requestId: id, error: (err as Error).message }),
    );
  }
}
