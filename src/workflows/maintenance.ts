import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { loadConfig } from "../config";
import { durationMs } from "../core/duration";
import { log } from "../core/log";
import { metric } from "../core/metrics";
import * as store from "../core/store";
import type { Env } from "../env";
import { DECISION_EVENT, type DecisionEvent } from "./approval-params";
import { MAINTENANCE_STEPS as STEP } from "./step-names";
import { D1_STEP } from "./steps";

/** How long past its expiry a pending request may lag before it counts as stuck. */
const GRACE_MS = 10 * 60_000;

export interface MaintenanceOutput {
  ended: string[];
  pruned: { audit: number; calls: number };
}

/**
 * Clean-up, started by the cron trigger: expires requests whose instance is stuck past its expiry
 * (closed in D1, then the instance is woken to update Slack and end), and prunes audit records,
 * action call records and idempotency keys older than AUDIT_RETENTION. Every step is idempotent,
 * so two overlapping runs do no harm.
 */
export class MaintenanceWorkflow extends WorkflowEntrypoint<Env, { startedAt: string }> {
  override async run(event: Readonly<WorkflowEvent<{ startedAt: string }>>, step: WorkflowStep): Promise<MaintenanceOutput> {
    const config = loadConfig(this.env);
    const stale = await step.do(STEP.findStale, D1_STEP, () => store.stalePending(this.env.DB, new Date(Date.now() - GRACE_MS).toISOString()));
    const ended: string[] = [];
    for (const id of stale) {
      const closed = await step.do(STEP.end(id), D1_STEP, async () => {
        // Close in D1 first (only if still pending and unclaimed: a click in flight wins), then
        // wake the instance with an "expire" event so it updates its Slack messages itself.
        const row = await store.getRequest(this.env.DB, id);
        const at = new Date().toISOString();
        const done = await store.closeRequest(this.env.DB, { id, status: "expired", by: null, at, error: "ended by maintenance: stuck past its expiry" });
        if (!done) return false;
        try {
          await (await this.env.APPROVAL.get(id)).sendEvent({ type: DECISION_EVENT, payload: { decision: "expire", at } satisfies DecisionEvent });
        } catch (err) {
          // The instance is gone or has finished: D1 is closed, which is what matters.
          log("warn", "stuck instance not woken", { requestId: id, instanceId: event.instanceId, step: STEP.end(id), error: (err as Error).message });
        }
        metric(this.env.METRICS, "request_expired", { type: row?.type ?? "unknown", detail: "maintenance" });
        log("warn", "stuck request ended", { requestId: id, instanceId: event.instanceId, step: STEP.end(id) });
        return true;
      });
      if (closed) ended.push(id);
    }
    const pruned = await step.do(STEP.prune, D1_STEP, async () => {
      const before = new Date(Date.now() - durationMs(config.AUDIT_RETENTION)).toISOString();
      const counts = await store.pruneBefore(this.env.DB, before);
      log("info", "old records pruned", { instanceId: event.instanceId, step: STEP.prune, audit: counts.audit, calls: counts.calls });
      return counts;
    });
    return { ended, pruned };
  }
}
