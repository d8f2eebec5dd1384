import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { loadConfig } from "../config";
import { durationMs } from "../core/duration";
import { log } from "../core/log";
import { metric } from "../core/metrics";
import * as store from "../core/store";
import type { Env } from "../env";
import { D1_STEP } from "./steps";

/** How long past its expiry a pending request may lag before it counts as stuck. */
const GRACE_MS = 10 * 60_000;

export interface MaintenanceOutput {
  ended: string[];
  pruned: { audit: number; calls: number };
}

/**
 * Clean-up, started by the cron trigger: ends approval instances stuck past their expiry (and
 * marks their requests expired), and prunes audit records older than AUDIT_RETENTION. Every step
 * is idempotent, so two overlapping runs do no harm.
 */
export class MaintenanceWorkflow extends WorkflowEntrypoint<Env, { startedAt: string }> {
  override async run(event: Readonly<WorkflowEvent<{ startedAt: string }>>, step: WorkflowStep): Promise<MaintenanceOutput> {
    const config = loadConfig(this.env);
    const stale = await step.do("find stale requests", D1_STEP, () => store.stalePending(this.env.DB, new Date(Date.now() - GRACE_MS).toISOString()));
    for (const id of stale) {
      await step.do(`end ${id}`, D1_STEP, async () => {
        try {
          await (await this.env.APPROVAL.get(id)).terminate();
        } catch {
          // Already finished, already terminated, or gone: the request still needs closing.
        }
        const row = await store.getRequest(this.env.DB, id);
        await store.closeRequest(this.env.DB, { id, status: "expired", by: null, at: new Date().toISOString(), error: "ended by maintenance: stuck past its expiry" });
        metric(this.env.METRICS, "request_expired", { type: row?.type ?? "unknown", detail: "maintenance" });
        log("warn", "stuck request ended", { requestId: id, instanceId: event.instanceId, step: `end ${id}` });
        return null;
      });
    }
    const pruned = await step.do("prune old records", D1_STEP, async () => {
      const before = new Date(Date.now() - durationMs(config.AUDIT_RETENTION)).toISOString();
      const counts = await store.pruneBefore(this.env.DB, before);
      log("info", "old records pruned", { instanceId: event.instanceId, step: "prune old records", audit: counts.audit, calls: counts.calls });
      return counts;
    });
    return { ended: stale, pruned };
  }
}
