import type { WorkflowStep } from "cloudflare:workers";
import { log } from "../../core/log";
import type { Env } from "../../env";
import type { RequestSummary } from "../../slack/blocks";
import { type ApprovalParams, requestText } from "../approval-params";

/** What the parts of one ApprovalWorkflow run share: its bindings, its step API, its request. */
export interface ApprovalRun {
  readonly env: Env;
  readonly step: WorkflowStep;
  readonly params: ApprovalParams;
  readonly instanceId: string;
  /** The request as Slack messages show it (the requester's display name is added once looked up). */
  readonly summary: RequestSummary;
  /** One JSON log line with the request and instance ids; call it inside a step (replays repeat the rest). */
  log(message: string, step: string, fields?: Record<string, string | number | boolean>, level?: "info" | "warn"): void;
}

export function approvalRun(env: Env, step: WorkflowStep, params: ApprovalParams, instanceId: string): ApprovalRun {
  return {
    env,
    step,
    params,
    instanceId,
    summary: {
      id: params.requestId,
      title: params.title,
      requester: params.requester,
      source: params.source,
      fields: params.fields,
      description: requestText(params),
      createdAt: params.createdAt,
    },
    log: (message, step, fields = {}, level = "info") => log(level, message, { requestId: params.requestId, instanceId, step, ...fields }),
  };
}
