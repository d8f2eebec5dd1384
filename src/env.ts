import type { ActionParams } from "./workflows/action-params";
import type { ApprovalParams } from "./workflows/approval-params";

/** Bindings and settings of the Worker (see wrangler.toml and .dev.vars.example). */
export interface Env {
  APPROVAL: Workflow<ApprovalParams>;
  ACTION: Workflow<ActionParams>;
  MAINTENANCE: Workflow<{ startedAt: string }>;
  DB: D1Database;
  KV: KVNamespace;
  METRICS?: AnalyticsEngineDataset;
  // Secrets (webhook signing secrets are named by the policy, e.g. DEPLOY_WEBHOOK_SECRET)
  SLACK_SIGNING_SECRET?: string;
  SLACK_BOT_TOKEN?: string;
  API_TOKEN?: string;
  // Vars
  SLACK_API_URL?: string;
  APPROVAL_TIMEOUT?: string;
  ESCALATION_TIMEOUT?: string;
  ESCALATION_USER?: string;
  POLICY_JSON?: string;
  BREAKER_THRESHOLD?: string;
  BREAKER_RESET?: string;
  AUDIT_RETENTION?: string;
  /** "true" only under `npm run dev` and the tests: opens the dashboard on loopback hosts. */
  LOCAL_DEV?: string;
}
