import { NonRetryableError } from "cloudflare:workflows";
import { log } from "../core/log";
import * as store from "../core/store";
import type { Env } from "../env";
import { botClient, workflowTokenClient } from "../slack/bot-client";
import { type SlackClient, SlackRetryableError, slackErrorCode } from "../slack/client";
import { WORKFLOW_TOKEN_TTL_MS } from "../slack/functions";

/**
 * Ending a Workflow Builder step run: `functions.completeSuccess` with the outputs (approved,
 * rejected) or `functions.completeError` with a message Slack shows the person who ran the
 * workflow (expired, cancelled, failed), once.
 *
 * Which token: Slack's SDKs complete with the workflow token (xwfp-) of the event or of the
 * latest interaction; it works for 15 minutes, and approvals wait hours. So we use the freshest
 * workflow token we hold (a click on the step's message carries a new one), if it is younger than
 * its 15 minutes, then the bot token (xoxb-), whose use for this Slack does not document (it may
 * answer access_denied): the outcome, whichever it is, is recorded (function_runs, the audit).
 * `execution_not_in_running_state` (or `function_execution_not_found`) means the execution was
 * completed already (a retry after a lost answer): done.
 * @see https://docs.slack.dev/reference/methods/functions.completeSuccess
 * @see https://docs.slack.dev/reference/methods/functions.completeError ("passed on to the end user through a Slackbot message")
 * @see https://docs.slack.dev/authentication/tokens (workflow tokens: "15 minutes after being issued, or when a function step is completed")
 * @see https://github.com/slackapi/bolt-js/blob/9a45c3c/src/context/create-function-complete.ts
 */

export type StepEnd = { kind: "success"; outputs: Record<string, string> } | { kind: "error"; error: string };

export interface Completion {
  result: "completed" | "already" | "failed";
  /** The token that did it: `workflow` (xwfp-) or `bot`; null when none could. */
  via: "workflow" | "bot" | null;
  /** completeSuccess or completeError, as called last. */
  method: "success" | "error";
  detail: string;
}

/** Slack's answers that mean "the execution is over", whoever ended it. */
const ALREADY = new Set(["execution_not_in_running_state", "function_execution_not_found"]);
/** Leave a minute of the token's 15 for the call itself. */
const TOKEN_MARGIN_MS = 60_000;

/**
 * Completes the step, once: a run already completed (recorded in D1) is not called again, and a
 * transient Slack failure is thrown (SlackRetryableError) for the calling step to retry.
 */
export async function completeFunctionRun(env: Env, executionId: string, end: StepEnd, now = new Date()): Promise<Completion> {
  const run = await store.getFunctionRun(env.DB, executionId);
  if (run?.completed_at) {
    return {
      result: "already",
      via: null,
      method: (run.completion ?? (end.kind === "success" ? "success" : "error")) as Completion["method"],
      detail: "completed before",
    };
  }
  const tokens: { via: "workflow" | "bot"; client: SlackClient }[] = [];
  const fresh = run?.token && run.token_at && now.getTime() - Date.parse(run.token_at) < WORKFLOW_TOKEN_TTL_MS - TOKEN_MARGIN_MS;
  if (fresh) tokens.push({ via: "workflow", client: workflowTokenClient(env, run.token!, { timeoutMs: 10_000 }) });
  tokens.push({ via: "bot", client: botClient(env, { timeoutMs: 10_000 }) });

  let current = end;
  const refused: string[] = [];
  let outcome: Completion | null = null;
  for (let i = 0; i < tokens.length && !outcome; i++) {
    const { via, client } = tokens[i]!;
    const method = current.kind === "success" ? "functions.completeSuccess" : "functions.completeError";
    const args =
      current.kind === "success"
        ? { function_execution_id: executionId, outputs: current.outputs }
        : { function_execution_id: executionId, error: current.error };
    try {
      await client.call(method, args);
      outcome = { result: "completed", via, method: current.kind, detail: `${method} with the ${via === "workflow" ? "workflow" : "bot"} token` };
    } catch (err) {
      if (err instanceof SlackRetryableError) throw err;
      const code = slackErrorCode(err) ?? (err instanceof NonRetryableError ? err.message : String(err));
      if (ALREADY.has(code)) {
        outcome = { result: "already", via, method: current.kind, detail: `${method}: ${code} (the execution had ended)` };
      } else if (code === "parameter_validation_failed" && current.kind === "success") {
        // Outputs Slack refuses: end the step with an error instead of leaving it running.
        refused.push(`${via}: ${code}`);
        current = {
          kind: "error",
          error: `The approval ended (${String(end.kind === "success" ? end.outputs.status : "")}), but Slack refused the step's outputs.`,
        };
        i--;
      } else {
        refused.push(`${via}: ${code}`);
      }
    }
  }
  const result: Completion = outcome ?? { result: "failed", via: null, method: current.kind, detail: `could not complete the step (${refused.join("; ")})` };
  await store.recordFunctionCompletion(env.DB, executionId, {
    completion: result.result === "failed" ? null : result.method,
    via: result.result === "completed" ? result.via : result.result,
    detail: result.detail,
    at: new Date().toISOString(),
  });
  log(result.result === "failed" ? "error" : "info", "workflow step completion", {
    executionId,
    result: result.result,
    via: result.via ?? "none",
    detail: result.detail,
  });
  return result;
}
