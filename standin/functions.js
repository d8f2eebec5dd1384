// Workflow Builder in the stand-in: the app's custom steps ("functions", declared in
// slack-app-manifest.yaml), their runs (function executions) with a workflow token each, the
// functions.completeSuccess / completeError methods with Slack's errors, and a few tiny workflows
// the page can run ("Request approval", then post in #general depending on the step's outcome).
// What Slack documents is cited at each rule; what it does not (marked UNVERIFIED) is a setting.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * A workflow token (xwfp-) works for 15 minutes after it is issued, or until its step completes,
 * "whichever occurs first. The token is then revoked immediately".
 * @see https://docs.slack.dev/authentication/tokens (workflow tokens)
 */
export const JIT_TOKEN_TTL_MS = 15 * 60_000;

/**
 * The functions the manifest declares, with their parameters: `functions.<callback_id>`,
 * `input_parameters` / `output_parameters` maps of `{type, is_required}` (the v1 form). Read with a
 * small indentation walk, like manifestScopes: enough for the manifest's own shape.
 * @see https://docs.slack.dev/reference/app-manifest (Functions)
 */
export function manifestFunctions(path = new URL("../slack-app-manifest.yaml", import.meta.url)) {
  const functions = {};
  let fn;
  let list;
  let param;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (/^\S/.test(line)) {
      fn = list = param = undefined;
      if (!/^functions:\s*$/.test(line)) functions.__off = true;
      else delete functions.__off;
      continue;
    }
    if (functions.__off) continue;
    const m = /^( *)([a-z_]+):\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const [, indent, key, value] = m;
    const depth = indent.length / 2;
    if (depth === 1) {
      fn = functions[key] = { callback_id: key, input_parameters: {}, output_parameters: {} };
      list = param = undefined;
    } else if (depth === 2 && fn) {
      if (key === "input_parameters" || key === "output_parameters") list = fn[key];
      else if (value) fn[key] = value;
    } else if (depth === 3 && list) {
      param = list[key] = { name: key, is_required: false };
    } else if (depth === 4 && param && value) {
      param[key] = key === "is_required" ? value === "true" : value;
    }
  }
  delete functions.__off;
  return functions;
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * Why outputs do not fit the function's output_parameters: a required one missing, or a value
 * not of its type (strings; a user id for slack#/types/user_id). Slack's answer is
 * parameter_validation_failed ("problems when validating the outputs against the Function parameters").
 * @see https://docs.slack.dev/reference/methods/functions.completeSuccess (errors)
 */
function outputProblems(fn, outputs) {
  if (!outputs || typeof outputs !== "object" || Array.isArray(outputs)) return ["outputs must be an object"];
  const problems = [];
  for (const p of Object.values(fn.output_parameters)) {
    const v = outputs[p.name];
    if (v === undefined || v === null || v === "") {
      if (p.is_required) problems.push(`missing required output ${p.name}`);
      continue;
    }
    if (p.type === "string" && typeof v !== "string") problems.push(`${p.name} must be a string`);
    if (p.type === "slack#/types/user_id" && !(typeof v === "string" && USER_ID.test(v))) problems.push(`${p.name} must be a user id`);
  }
  for (const k of Object.keys(outputs)) if (!fn.output_parameters[k]) problems.push(`unknown output ${k}`);
  return problems;
}

/**
 * The page's workflows: a link trigger (whoever clicks Run is "the person who used this
 * workflow"), the app's step, then a branch on its outcome, as a Workflow Builder user would
 * build it. `{{…}}` are the step's outputs.
 */
export const WORKFLOWS = [
  {
    id: "Wf0DEPLOY",
    title: "Deploy billing-api",
    description: "Request approval from Maria, then deploy",
    inputs: { approvers: ["U0APPROVER"], description: "Deploy billing-api v2.3 to production", fields: "Asked from the Deploy billing-api workflow" },
    channel: "C0GENERAL",
    approved: ":rocket: Deploying billing-api v2.3 (approved by <@{{decided_by}}>, request {{request_id}})",
    otherwise: ":no_entry: Not approved: billing-api v2.3 stays where it is ({{status}}{{reason_suffix}})",
  },
  {
    id: "Wf0HOTFIX",
    title: "Hotfix with on-call approval",
    description: "Request approval from @oncall, then ship the hotfix",
    inputs: { approver_groups: ["S0ONCALL"], description: "Ship hotfix 2.3.1 (cache stampede)" },
    channel: "C0GENERAL",
    approved: ":rocket: Shipping hotfix 2.3.1 (approved by <@{{decided_by}}>)",
    otherwise: ":no_entry: Hotfix 2.3.1 not approved ({{status}}{{reason_suffix}})",
  },
];

/**
 * @param {{ state: any, nextTs: () => string, now?: () => number, changed: () => void,
 *   deliver: (kind: string, payload: any, user?: string) => Promise<any>, eventCallback: (event: any) => any }} ctx
 */
export function createFunctions(ctx) {
  const { state } = ctx;
  const now = ctx.now ?? Date.now;
  const declared = manifestFunctions();
  const ttl = () => state.settings.jitTokenTtlMs ?? JIT_TOKEN_TTL_MS;

  /** A new workflow token for a running execution (the event's, or a click's). */
  function issueToken(execution) {
    const token = `xwfp-${randomBytes(12).toString("hex")}`;
    state.jitTokens[token] = { executionId: execution.id, issuedAt: now() };
    execution.tokens.push(token);
    return token;
  }

  /**
   * What a workflow token is now: `ok` (with its execution), or Slack's error: token_revoked once
   * its 15 minutes are over or its step completed ("revoked immediately"); undefined for a
   * token the stand-in never issued.
   */
  function tokenState(token) {
    const t = state.jitTokens[token];
    if (!t) return undefined;
    const execution = state.executions[t.executionId];
    if (t.revoked || now() - t.issuedAt > ttl() || execution?.status !== "running") return { error: "token_revoked" };
    return { ok: true, execution };
  }

  /**
   * A step run: an execution with its workflow token, and the function_executed event the app
   * gets. The event's inputs are as given (an omitted optional input is left out: UNVERIFIED
   * whether Slack leaves it out, sends null or ""), arrays as JSON arrays.
   * @see https://docs.slack.dev/reference/events/function_executed
   */
  function execute({ callback_id = "request_approval", inputs = {}, user, workflow }) {
    const fn = declared[callback_id];
    if (!fn) throw new Error(`the manifest declares no function ${callback_id}`);
    const id = `Fx${randomBytes(5).toString("hex").toUpperCase()}`;
    const execution = {
      id,
      callback_id,
      workflow_execution_id: `Wx${randomBytes(5).toString("hex").toUpperCase()}`,
      workflow: workflow?.id ?? null,
      user: user ?? null,
      inputs,
      status: "running",
      outputs: null,
      error: null,
      completions: [],
      tokens: [],
      startedAt: now(),
      log: [],
    };
    state.executions[id] = execution;
    const token = issueToken(execution);
    const event = {
      type: "function_executed",
      function: {
        id: `Fn${callback_id.toUpperCase().replace(/_/g, "").slice(0, 8)}`,
        callback_id,
        title: fn.title ?? callback_id,
        description: fn.description ?? "",
        type: "app",
        input_parameters: Object.values(fn.input_parameters).map((p) => ({
          type: p.type,
          name: p.name,
          title: p.title,
          description: p.description,
          is_required: p.is_required,
        })),
        output_parameters: Object.values(fn.output_parameters).map((p) => ({
          type: p.type,
          name: p.name,
          title: p.title,
          description: p.description,
          is_required: p.is_required,
        })),
        app_id: "A0LOCAL",
        date_created: Math.floor(execution.startedAt / 1000),
        date_updated: Math.floor(execution.startedAt / 1000),
        date_deleted: 0,
        form_enabled: false,
      },
      inputs,
      function_execution_id: id,
      workflow_execution_id: execution.workflow_execution_id,
      event_ts: `${Math.floor(now() / 1000)}.000100`,
      bot_access_token: token,
    };
    return { execution, body: ctx.eventCallback(event) };
  }

  /**
   * functions.completeSuccess / completeError, as Slack answers them.
   * @see https://docs.slack.dev/reference/methods/functions.completeSuccess (function_execution_not_found, execution_not_in_running_state, parameter_validation_failed, access_denied)
   * @see https://docs.slack.dev/reference/methods/functions.completeError ("passed on to the end user through a Slackbot message")
   * @param {{ kind: "bot" } | { kind: "workflow", executionId: string }} caller
   */
  function complete(method, args, caller) {
    const id = String(args.function_execution_id ?? "");
    if (!id) return { ok: false, error: "invalid_arguments", response_metadata: { messages: ["[ERROR] missing required field: function_execution_id"] } };
    const execution = state.executions[id];
    if (!execution) return { ok: false, error: "function_execution_not_found" };
    // UNVERIFIED whether Slack lets the bot token (xoxb-) complete an execution: a setting (default yes).
    if (caller.kind === "workflow" && caller.executionId !== id) return { ok: false, error: "access_denied" };
    if (caller.kind === "bot" && state.settings.botTokenCompletes === false) return { ok: false, error: "access_denied" };
    const attempt = { method, via: caller.kind, at: now() };
    execution.completions.push(attempt);
    if (execution.status !== "running") return { ok: false, error: (attempt.error = "execution_not_in_running_state") };
    if (method === "functions.completeSuccess") {
      const outputs = typeof args.outputs === "string" ? safeJson(args.outputs) : args.outputs;
      const problems = outputProblems(declared[execution.callback_id], outputs);
      if (problems.length) {
        attempt.error = "parameter_validation_failed";
        return { ok: false, error: "parameter_validation_failed", response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
      }
      Object.assign(execution, { status: "completed", outputs });
    } else {
      const error = String(args.error ?? "");
      if (!error) return { ok: false, error: "invalid_arguments", response_metadata: { messages: ["[ERROR] missing required field: error"] } };
      Object.assign(execution, { status: "failed", error });
    }
    execution.endedAt = now();
    for (const t of execution.tokens) state.jitTokens[t].revoked = true;
    // The workflow goes on after its step (asynchronously, as Slack does).
    setTimeout(() => continueWorkflow(execution), 0);
    return { ok: true };
  }

  /** After the step: the workflow's branch (a post in its channel), or Slackbot's message for an error. */
  function continueWorkflow(execution) {
    const wf = WORKFLOWS.find((w) => w.id === execution.workflow);
    if (!wf) return;
    const ts = ctx.nextTs();
    if (execution.status === "failed") {
      // @see https://docs.slack.dev/reference/methods/functions.completeError (the error reaches the person through Slackbot)
      state.ephemerals.push({
        ts,
        channel: wf.channel,
        user: execution.user,
        text: `Workflow “${wf.title}” failed at step “Request approval”: ${execution.error}`,
        blocks: [],
        source: "USLACKBOT",
        at: now(),
      });
      execution.log.push("failed: Slackbot told the person who ran it");
    } else {
      const o = execution.outputs;
      const fill = (text) =>
        text
          .replace(/\{\{reason_suffix\}\}/g, o.reason ? `: ${o.reason}` : "")
          .replace(/\{\{(\w+)\}\}/g, (_, k) => String(o[k] ?? ""))
          .replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"))
          .replace(/&lt;@([UW][A-Z0-9]+)&gt;/g, "<@$1>");
      const approved = o.status === "approved";
      const text = fill(approved ? wf.approved : wf.otherwise);
      state.messages.push({ ts, channel: wf.channel, text, blocks: [], updated: 0, bot_id: "B0WORKFLOW", user: "U0WORKFLOW", username: wf.title });
      execution.log.push(`branch: ${approved ? "approved" : "otherwise"}`);
    }
    ctx.changed();
  }

  /** The page runs a workflow as `user`: its step runs, and the app gets function_executed. */
  async function runWorkflow(workflowId, user) {
    const wf = WORKFLOWS.find((w) => w.id === workflowId);
    if (!wf) return { ok: false, error: "workflow_not_found" };
    const { execution, body } = execute({ inputs: { requester: user, ...wf.inputs }, user, workflow: wf });
    ctx.changed();
    const delivered = await ctx.deliver("event", body, user);
    // UNVERIFIED: an app that does not ack function_executed has its step failed (field reports: event_dispatch_failed).
    if (!delivered.ok && execution.status === "running") {
      Object.assign(execution, { status: "failed", error: `event_dispatch_failed (${delivered.error})`, endedAt: now() });
      for (const t of execution.tokens) state.jitTokens[t].revoked = true;
      continueWorkflow(execution);
    }
    ctx.changed();
    return { ok: true, execution_id: execution.id, delivered: delivered.ok };
  }

  /** What the control endpoint and the page show of an execution (never its tokens). */
  function view(e) {
    const { tokens: _tokens, ...rest } = e;
    return rest;
  }

  return { execute, issueToken, tokenState, complete, runWorkflow, view, declared };
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
