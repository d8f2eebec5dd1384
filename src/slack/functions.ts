import { z } from "zod";
import { SLACK_USER_ID, SLACK_USERGROUP_ID } from "../core/ids";

/**
 * The "Request approval" Workflow Builder step on the wire: its callback id (slack-app-manifest.yaml
 * `functions.request_approval`), what a `function_executed` event and a function-scoped click carry,
 * and the outputs `functions.completeSuccess` gets.
 * @see https://docs.slack.dev/workflows/workflow-steps
 * @see https://docs.slack.dev/reference/events/function_executed
 * @see https://github.com/slackapi/node-slack-sdk/blob/4322e14/packages/types/src/events/function.ts (FunctionExecutedEvent)
 */

/** The step's callback_id: never rename it (Slack drops the step, and every workflow using it breaks). */
export const APPROVAL_FUNCTION = "request_approval";

/** How long a workflow token (xwfp-) works after Slack issued it: "15 minutes after being issued". */
export const WORKFLOW_TOKEN_TTL_MS = 15 * 60_000;

/**
 * An input Workflow Builder left out. How an omitted optional input arrives is not documented (the
 * key absent, null, or an empty string or list): all of them mean "not given".
 */
const blank = (v: unknown) => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);

/**
 * A list of ids of one kind. Arrays arrive as JSON arrays of strings (the Java SDK's model reads
 * inputs as a string or a list of strings); a single id or a comma- or space-separated string is
 * read too. Anything else in it is left out.
 */
function ids(v: unknown, pattern: RegExp): string[] {
  if (blank(v)) return [];
  const items = Array.isArray(v) ? v : typeof v === "string" ? v.split(/[\s,]+/) : [];
  return [...new Set(items.filter((x): x is string => typeof x === "string" && pattern.test(x.trim())).map((x) => x.trim()))];
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : typeof v === "number" ? String(v) : undefined);

/** The step's inputs (manifest `input_parameters`), read liberally. */
export interface ApprovalStepInputs {
  requester: string | undefined;
  approvers: string[];
  approverGroups: string[];
  description: string | undefined;
  type: string | undefined;
  fields: string | undefined;
}

export function readStepInputs(inputs: Record<string, unknown>): ApprovalStepInputs {
  const requester = ids(inputs.requester, SLACK_USER_ID)[0];
  return {
    requester,
    approvers: ids(inputs.approvers, SLACK_USER_ID),
    approverGroups: ids(inputs.approver_groups, SLACK_USERGROUP_ID),
    description: text(inputs.description),
    type: text(inputs.type)?.toLowerCase(),
    fields: text(inputs.fields),
  };
}

/** A function_executed event of our step: its execution, its workflow token, its inputs. */
export const functionExecutedSchema = z.object({
  function: z.object({ callback_id: z.string() }).loose(),
  function_execution_id: z.string().min(1).max(100),
  workflow_execution_id: z.string().max(100).nullish(),
  inputs: z.record(z.string(), z.unknown()).nullish(),
  bot_access_token: z.string().min(1).max(500).nullish(),
});

/**
 * What a click or a submitted view in a message or modal made with a workflow token carries:
 * `function_data` (the execution) and a `bot_access_token` (taken to be newly issued, so its 15
 * minutes start at the click: Bolt uses it for complete()/fail(); Slack's docs do not say).
 * @see https://github.com/slackapi/bolt-js/blob/9a45c3c/src/App.ts (extractFunctionContext)
 * @see https://github.com/slackapi/java-slack-sdk/blob/86ff7ca/slack-app-backend/src/test/java/test_locally/app_backend/interactive_components/payload/BlockActionPayloadTest.java (jsonInteractionsFromRemoteFunction)
 */
export const functionContextSchema = z.object({
  function_data: z.object({ execution_id: z.string().min(1).max(100), function: z.object({ callback_id: z.string() }).loose() }).loose(),
  bot_access_token: z.string().min(1).max(500).nullish(),
  interactivity: z
    .object({ interactivity_pointer: z.string().min(1).max(500).optional() })
    .loose()
    .nullish(),
});

/** A function-scoped interaction's context, when it is one of our step's. */
export interface FunctionContext {
  executionId: string;
  token: string | null;
  /** Stands for a trigger_id (views.open): "trigger_ids are also known as interactivity_pointers". */
  pointer: string | null;
}

export function functionContext(payload: unknown): FunctionContext | "foreign" | null {
  const p = payload as { function_data?: unknown };
  if (p?.function_data === undefined) return null;
  const parsed = functionContextSchema.safeParse(payload);
  if (!parsed.success || parsed.data.function_data.function.callback_id !== APPROVAL_FUNCTION) return "foreign";
  return {
    executionId: parsed.data.function_data.execution_id,
    token: parsed.data.bot_access_token ?? null,
    pointer: parsed.data.interactivity?.interactivity_pointer ?? null,
  };
}

/** The step's outputs (manifest `output_parameters`): only the ones with a value (optional ones may be left out). */
export function stepOutputs(o: { status: "approved" | "rejected"; decidedBy: string; reason: string | null; requestId: string }): Record<string, string> {
  return { status: o.status, decided_by: o.decidedBy, request_id: o.requestId, ...(o.reason ? { reason: o.reason } : {}) };
}
