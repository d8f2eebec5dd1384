import type { ApprovalParams } from "./workflows/approval-params";

/** Bindings and settings of the Worker (see wrangler.toml and .dev.vars.example). */
export interface Env {
  APPROVAL: Workflow<ApprovalParams>;
  DB: D1Database;
  KV: KVNamespace;
  // Secrets
  SLACK_SIGNING_SECRET?: string;
  SLACK_BOT_TOKEN?: string;
  API_TOKEN?: string;
  // Vars
  SLACK_API_URL?: string;
  APPROVAL_TIMEOUT?: string;
  ESCALATION_TIMEOUT?: string;
  ESCALATION_USER?: string;
}
