import { createExecutionContext, introspectWorkflow, waitOnExecutionContext } from "cloudflare:test";
import { env, exports, type WorkflowEvent, type WorkflowSleepDuration, type WorkflowStep } from "cloudflare:workers";
import { expect, onTestFinished, vi } from "vitest";
import { newRequestId } from "../src/core/ids";
import type { InstanceView } from "../src/core/instances";
import { type AuditEntry, type RequestRow, type StoredMessage, upsertRequest } from "../src/core/store";
import type { Env } from "../src/env";
import worker from "../src/index";
import { standinControl } from "../standin/control.js";
import { CLICKED_TS, clickForm, commandForm, eventCallback, interactionForm, viewBlockActionsPayload, viewSubmissionForm } from "../standin/payloads.js";
import { slackSignature } from "../standin/signing.js";

export const SIGNING_SECRET = env.SLACK_SIGNING_SECRET!;
const SLACK = env.FAKE_SLACK_URL;
/** The Slack stand-in's control endpoints: members, and the trigger_ids and response_urls it issues. */
export const standin = standinControl(SLACK);

/**
 * A fresh Slack user, made a member of the stand-in's workspace (which, like Slack, knows no one
 * else), so tests sharing the stand-in never see each other's calls.
 */
export async function newUser(): Promise<string> {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let id = "U";
  for (const b of crypto.getRandomValues(new Uint8Array(10))) id += chars[b % chars.length];
  await standin.addUser(id);
  return id;
}
export const dmOf = (user: string) => `D${user.slice(1)}`;

export function sign(body: string, timestamp: number | string, secret = SIGNING_SECRET): Promise<string> {
  return slackSignature(secret, timestamp, body);
}

export interface SendOptions {
  secret?: string;
  timestamp?: number | string;
  signature?: string | null;
  headers?: Record<string, string>;
}

/** Settings for one request only (e.g. another policy), over the test configuration. */
export type EnvOverrides = Partial<Pick<Env, "POLICY_JSON" | "APPROVAL_TIMEOUT" | "ESCALATION_TIMEOUT" | "ESCALATION_USER">>;

async function signedRequest(path: string, body: string, opts: SendOptions): Promise<Request> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = opts.signature === undefined ? await sign(body, timestamp, opts.secret) : opts.signature;
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
    ...(signature === null ? {} : { "x-slack-signature": signature }),
    ...opts.headers,
  };
  return new Request(`https://approvals.test${path}`, { method: "POST", headers, body });
}

/** POSTs a form body to the Worker signed exactly as Slack signs it. */
export async function postSigned(path: string, body: string, opts: SendOptions = {}): Promise<Response> {
  return exports.default.fetch(await signedRequest(path, body, opts));
}

/**
 * POSTs like postSigned, and returns once the route has finished what it does after answering
 * (its waitUntil work: ephemeral replies, views.open), so a test can check what a request did,
 * and what it did not do, without waiting on a clock. `env` overrides settings for this request
 * only; the instances it starts run with the test configuration (the route passes them their chain).
 */
export async function postSignedSettled(path: string, body: string, opts: SendOptions & { env?: EnvOverrides } = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(await signedRequest(path, body, opts), opts.env ? { ...env, ...opts.env } : env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A slash command's form, with the trigger_id and response_url the stand-in issued for it. */
export async function commandBody(user: string, text: string): Promise<string> {
  const [triggerId, responseUrl] = await Promise.all([standin.triggerId(user), standin.responseUrl({ user, channel: "C0GENERAL", kind: "commands" })]);
  return commandForm(user, text, { triggerId, responseUrl });
}

/** A signed slash command; returns once the route's work is done (see postSignedSettled). */
export async function slashCommand(
  user: string,
  text: string,
  env?: EnvOverrides,
): Promise<{ status: number; body: { response_type?: string; text?: string } }> {
  const res = await postSignedSettled("/slack/commands", await commandBody(user, text), { env });
  const answer = await res.text();
  return { status: res.status, body: answer ? JSON.parse(answer) : {} };
}

/** Starts a request and returns its id (from the ephemeral confirmation). */
export async function startRequest(
  requester: string,
  approver: string,
  description = "Deploy billing-api v2.3 to production",
  env?: EnvOverrides,
): Promise<string> {
  const { status, body } = await slashCommand(requester, `<@${approver}|someone> ${description}`, env);
  expect(status).toBe(200);
  const id = /`(req-[a-z0-9]{12})`/.exec(body.text ?? "")?.[1];
  if (!id) throw new Error(`no request id in ${JSON.stringify(body)}`);
  return id;
}

/**
 * A click in the clicker's DM with the app, with the trigger_id and response_url the stand-in
 * issued for it; `hook` is the response_url's path (see responsesTo).
 */
export async function clickBody(user: string, requestId: string, action: "approve" | "reject" | "cancel"): Promise<{ body: string; hook: string }> {
  const [triggerId, responseUrl] = await Promise.all([
    standin.triggerId(user),
    standin.responseUrl({ user, channel: dmOf(user), kind: "actions", messageTs: CLICKED_TS }),
  ]);
  return { body: clickForm(user, requestId, action, { triggerId, responseUrl }), hook: new URL(responseUrl).pathname };
}

/**
 * A click in the clicker's App Home tab, as Slack sends it: container {type: "view"}, the home
 * view, a trigger_id the stand-in issued, and no channel and no response_url.
 */
export async function homeClickBody(user: string, requestId: string, action: "approve" | "reject" | "cancel" | string): Promise<string> {
  const actionId = ["approve", "reject", "cancel"].includes(action) ? `approval_${action}` : action;
  return interactionForm(
    viewBlockActionsPayload({
      user,
      view: { id: `VHOME${user.slice(1, 8)}`, type: "home", blocks: [], state: { values: {} }, hash: "1700000000.home" } as { id: string },
      actions: [{ action_id: actionId, block_id: `decision:${requestId}`, value: requestId, type: "button", action_ts: "1700000001.000300" }],
      triggerId: await standin.triggerId(user),
    }),
  );
}

/** A signed click in the App Home tab; returns the HTTP status. */
export async function homeClick(user: string, requestId: string, action: "approve" | "reject" | "cancel" | string): Promise<number> {
  const res = await postSigned("/slack/interactions", await homeClickBody(user, requestId, action));
  await res.body?.cancel();
  return res.status;
}

/** POSTs an Events API body (JSON) signed as Slack signs it; `headers` e.g. Slack's retry headers. */
export async function postEvent(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return postSigned("/slack/events", JSON.stringify(body), { headers: { "content-type": "application/json", ...headers } });
}

/** An event_callback wrapping `event`, as Slack delivers it (standin/payloads.js). */
export const eventBody = (event: Record<string, unknown>, eventId?: string) => eventCallback(event, eventId ? { eventId } : {});

/** What the interaction route answers a modal submission: nothing (closes it), field errors, or a 400. */
export type SubmitAnswer = { response_action?: "errors"; errors?: Record<string, string>; error?: string } | null;

/** Submits a modal, signed; returns the status and the JSON body (response_action errors) if any. */
export async function submitView(
  user: string,
  view: { id?: string; callback_id: string; private_metadata?: string },
  values: Parameters<typeof viewSubmissionForm>[2],
): Promise<{ status: number; body: SubmitAnswer }> {
  const form = viewSubmissionForm(user, { id: view.id ?? `V${crypto.randomUUID().slice(0, 8).toUpperCase()}`, ...view }, values, await standin.triggerId(user));
  const res = await postSignedSettled("/slack/interactions", form);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as SubmitAnswer) : null };
}

/**
 * Reject as Slack users do: click Reject (which opens the reason modal via views.open), then
 * submit the modal with the reason.
 */
export async function reject(user: string, requestId: string, reason = "Not during the release freeze"): Promise<{ status: number; body: SubmitAnswer }> {
  const clicked = await click(user, requestId, "reject");
  expect(clicked.status).toBe(200);
  // The click has settled: the modal was opened (views.open runs after the answer) or not at all.
  const opened = (await slackCalls((c) => c.args.view?.private_metadata === requestId, { method: "views.open", match: requestId })).at(-1);
  expect(opened?.args.view?.callback_id, "the reject-reason modal").toBe("approval_reject_reason");
  return submitView(user, { callback_id: "approval_reject_reason", private_metadata: requestId }, { reason: { type: "plain_text_input", value: reason } });
}

/**
 * A signed click; returns the HTTP status and the response_url path its ephemeral reply (if any)
 * went to. It returns once the route's work is done: the reply, if there is one, has been posted.
 */
export async function click(user: string, requestId: string, action: "approve" | "reject" | "cancel"): Promise<{ status: number; hook: string }> {
  const { body, hook } = await clickBody(user, requestId, action);
  const res = await postSignedSettled("/slack/interactions", body);
  await res.body?.cancel();
  return { status: res.status, hook };
}

// ---- the fake Slack API's records

/** A Block Kit block as the stand-in stores it; the fields the tests read are named. */
export interface Block {
  type: string;
  block_id?: string;
  text?: { type: string; text: string; verbatim?: boolean };
  elements?: { type: string; action_id?: string; text?: string | { type: string; text: string }; value?: string }[];
  [field: string]: unknown;
}

/** A view (modal or App Home) as a Web API call carries it. */
export interface View {
  type: string;
  callback_id?: string;
  private_metadata?: string;
  blocks: Block[];
  [field: string]: unknown;
}

/** A Web API call's arguments as the stand-in records them: form fields, with blocks and views decoded. */
export interface SlackCallArgs {
  channel?: string;
  users?: string;
  user?: string;
  user_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  trigger_id?: string;
  blocks?: Block[];
  view?: View;
  [field: string]: unknown;
}

export interface SlackCall {
  seq: number;
  method: string;
  args: SlackCallArgs;
  at: number;
  result: string;
}

/**
 * Web API calls the stand-in recorded that pass `filter`. `query` narrows them on the stand-in's
 * side first (one method; `match`, a substring of the arguments such as a user or request id), so
 * a test reads its own calls rather than the whole run's.
 */
export async function slackCalls(filter: (c: SlackCall) => boolean = () => true, query: { method?: string; match?: string } = {}): Promise<SlackCall[]> {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await fetch(`${SLACK}/_control/calls?${params}`);
  return ((await res.json()) as SlackCall[]).filter(filter);
}

/** Slack calls addressed to one user: posts to their id, conversations.open for them, or calls in their DM. */
export async function callsTo(user: string): Promise<SlackCall[]> {
  return slackCalls(
    (c) => c.args.users === user || c.args.channel === user || c.args.channel === dmOf(user) || c.args.user === user || c.args.user_id === user,
    { match: user.slice(1) },
  );
}

/** Matches (for injectFaults) a chat.postMessage addressed to a user's id, i.e. a new DM to them. */
export const postTo = (user: string) => `channel=${user}&`;

/** The calls concerning one set of users (by DM channel or user id anywhere in the args). */
export async function callsFor(...users: string[]): Promise<SlackCall[]> {
  const needles = users.flatMap((u) => [u, dmOf(u)]);
  return slackCalls((c) => needles.some((n) => JSON.stringify(c.args).includes(n)), users.length === 1 ? { match: users[0]!.slice(1) } : {});
}

/** A post to a response_url, as the stand-in records it; `refused` when the stand-in refused it. */
export interface HookResponse {
  path: string;
  body: { text?: string; response_type?: string; replace_original?: boolean };
  refused?: string;
}

/** What the service posted to one response_url (by its path), refused posts included. */
export async function responsesTo(hook: string): Promise<HookResponse[]> {
  const res = await fetch(`${SLACK}/_control/responses?path=${encodeURIComponent(hook)}`);
  return (await res.json()) as HookResponse[];
}

export interface Fault {
  status?: number;
  retryAfter?: number;
  error?: string;
  delayMs?: number;
  /** Slack does the work but the answer is lost (connection dropped). */
  lost?: boolean;
}

/** The next calls of `method` whose body contains `match` fail as listed, in order. */
export async function injectFaults(method: string, match: string, faults: Fault[]): Promise<void> {
  const res = await fetch(`${SLACK}/_control/faults`, { method: "POST", body: JSON.stringify({ method, match, faults }) });
  expect(res.status).toBe(200);
}

export interface FakeMessage {
  ts: string;
  text: string;
  blocks: Block[];
  updated: number;
  thread_ts?: string;
}

/** Top-level messages in a channel (thread replies left out; see repliesIn). */
export async function messagesIn(channel: string): Promise<FakeMessage[]> {
  const res = await fetch(`${SLACK}/_control/messages?channel=${channel}`);
  return ((await res.json()) as FakeMessage[]).filter((m) => !m.thread_ts);
}

/** Thread replies under one message. */
export async function repliesIn(channel: string, ts: string): Promise<FakeMessage[]> {
  const res = await fetch(`${SLACK}/_control/messages?channel=${channel}`);
  return ((await res.json()) as FakeMessage[]).filter((m) => m.thread_ts === ts);
}

/** The stand-in's change counter: the next one after `after` (within `waitMs`), or the current one. */
async function standinVersion(after = -1, waitMs = 0): Promise<number> {
  const res = await fetch(`${SLACK}/_control/changes?after=${after}&wait=${waitMs}`);
  return ((await res.json()) as { version: number }).version;
}

/**
 * What the stand-in cannot see (D1, an instance's status) is checked again at least this often;
 * whatever Slack sees is checked the moment the stand-in records it.
 */
const RECHECK_MS = 250;

/**
 * Waits until `check` returns a value (not undefined/false). It checks again whenever the Slack
 * stand-in records something (a long poll, not a timer), and every RECHECK_MS for state only
 * D1 or the Workflows engine has. It has no deadline of its own: the condition decides, and the
 * test's timeout is the only limit; when the test ends first, it stops and says what it waited for.
 */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> {
  let ended = false;
  try {
    onTestFinished(({ task }) => {
      if (!ended && task.result?.state === "fail") console.error(`(the test ended while waiting for ${what})`);
      ended = true;
    });
  } catch {
    // Called outside a test (a hook): the hook's own timeout bounds it.
  }
  try {
    for (;;) {
      // Read the counter before checking: a change during the check wakes the next wait at once.
      const version = await standinVersion();
      const value = await check();
      if (value !== undefined && value !== false) return value;
      if (ended) throw new Error(`stopped waiting for ${what}: the test has ended`);
      await standinVersion(version, RECHECK_MS);
    }
  } finally {
    ended = true;
  }
}

/** Waits until the approver's request DM (with buttons) has been posted. */
export function approverDm(approver: string) {
  return eventually(async () => (await messagesIn(dmOf(approver))).find((m) => JSON.stringify(m.blocks).includes("approval_approve")), `the DM to ${approver}`);
}

export async function apiGet(path: string, token: string | null = env.API_TOKEN!): Promise<Response> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return exports.default.fetch(new Request(`https://approvals.test${path}`, { headers }));
}

/** A call to the JSON API, as a pipeline makes it: JSON body, bearer token (none when `token` is null). */
export async function apiCall(
  method: "GET" | "POST",
  path: string,
  opts: { body?: unknown; raw?: string; token?: string | null; headers?: Record<string, string>; env?: EnvOverrides } = {},
): Promise<Response> {
  const token = opts.token === undefined ? env.API_TOKEN! : opts.token;
  const headers: Record<string, string> = {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(opts.body !== undefined || opts.raw !== undefined ? { "content-type": "application/json" } : {}),
    ...opts.headers,
  };
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const req = new Request(`https://approvals.test${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  if (!opts.env) return exports.default.fetch(req);
  // Other settings (e.g. a changed policy): the Worker's fetch with them, its waitUntil work awaited.
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, { ...env, ...opts.env }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** What POST /api/requests answers: the request, or an error naming the bad fields. */
export interface ApiAnswer {
  id?: string;
  status?: string;
  url?: string;
  error?: string;
  issues?: { path: string; message: string }[];
}

/** POST /api/requests; `key` becomes the Idempotency-Key. */
export async function apiCreate(body: unknown, key?: string, settings?: EnvOverrides): Promise<{ status: number; json: ApiAnswer; res: Response }> {
  const res = await apiCall("POST", "/api/requests", { body, ...(key ? { headers: { "idempotency-key": key } } : {}), ...(settings ? { env: settings } : {}) });
  return { status: res.status, json: (await res.json()) as ApiAnswer, res };
}

/** GET /api/requests/:id of a recorded request: the row (without the claim), its messages, trail and instance. */
export type RequestJson = Omit<RequestRow, "claimed_by" | "claimed_decision" | "cancel_reason"> & {
  reason: string | null;
  url: string;
  messages: StoredMessage[];
  audit: AuditEntry[];
  workflow: InstanceView;
};

export async function requestJson(id: string): Promise<RequestJson> {
  const res = await apiGet(`/api/requests/${id}`);
  expect(res.status).toBe(200);
  return res.json();
}

export async function waitForStatus(id: string, status: string): Promise<RequestJson> {
  return eventually(async () => {
    const res = await apiGet(`/api/requests/${id}`);
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as RequestJson;
    return body.status === status && body.workflow?.status !== "running" ? body : undefined;
  }, `request ${id} to be ${status}`);
}

// ---- the action webhook receiver

export interface ReceiverCall {
  seq: number;
  method: string;
  path: string;
  key: string;
  /** The X-Approvals-Timestamp and X-Approvals-Signature headers as received. */
  timestamp: string;
  signature: string;
  signed: boolean;
  body: string;
  at: number;
}

export interface ReceiverStep {
  status: number;
  body?: unknown;
  delayMs?: number;
  /** Perform the action, then drop the connection before answering. */
  drop?: boolean;
  /** Answer `status` with a text body that never ends (64 KB, then the connection held open). */
  endless?: boolean;
  /** Answer 202 with a status URL whose polls return these, in order (the last one repeats). */
  statusSequence?: { state: "running" | "complete" | "failed"; progress?: number; message?: string }[];
}

/** The receiver answers calls whose body contains `match` (a request id) as listed, in order. */
export async function scriptReceiver(match: string, responses: ReceiverStep[]): Promise<void> {
  const res = await fetch(`${env.RECEIVER_URL}/_control/script`, { method: "POST", body: JSON.stringify({ match, responses }) });
  expect(res.status).toBe(200);
}

export async function receiverCalls(match: string): Promise<ReceiverCall[]> {
  return (await fetch(`${env.RECEIVER_URL}/_control/calls?match=${encodeURIComponent(match)}`)).json();
}

/** Starts a request of a policy type: `/approval <type> [<@approver>] text`. */
export async function startTyped(requester: string, type: string, approver: string | null, description = "Ship it", env?: EnvOverrides): Promise<string> {
  const { status, body } = await slashCommand(requester, `${type} ${approver ? `<@${approver}> ` : ""}${description}`, env);
  expect(status).toBe(200);
  const id = /`(req-[a-z0-9]{12})`/.exec(body.text ?? "")?.[1];
  if (!id) throw new Error(`no request id in ${JSON.stringify(body)}`);
  return id;
}

/**
 * Starts a request with a slash command whose payload carries no `user_name` (deprecated by Slack,
 * so the service must not depend on it): the workflow looks the requester's name up instead.
 */
export async function startWithoutName(requester: string, approver: string, description = "Ship it"): Promise<string> {
  const form = new URLSearchParams(await commandBody(requester, `<@${approver}> ${description}`));
  form.delete("user_name");
  const res = await postSignedSettled("/slack/commands", form.toString());
  const body = (await res.json()) as { text?: string };
  const id = /`(req-[a-z0-9]{12})`/.exec(body.text ?? "")?.[1];
  if (!id) throw new Error(`no request id in ${JSON.stringify(body)}`);
  return id;
}

/** The decision waits of approval levels 1..n (before and after the reminder). */
export const levelWaits = (n: number) => Array.from({ length: n }, (_, i) => [`decision-${i + 1}`, `decision-${i + 1}-after-reminder`]).flat();

/**
 * Every ApprovalWorkflow started from now on times out at once at these named waits, as if
 * nobody clicked in time. Dispose the result (`await using`) to stop affecting later tests.
 */
export async function forceTimeouts(...names: string[]) {
  const approvals = await introspectWorkflow(env.APPROVAL);
  await approvals.modifyAll(async (m) => {
    for (const name of names) await m.forceEventTimeout({ name });
  });
  return approvals;
}

/** One call a workflow made to its step API, as recordWorkflowSteps saw it. */
export interface StepCall {
  instanceId: string;
  kind: "do" | "sleep" | "waitForEvent";
  name: string;
  /** step.do's config, step.sleep's duration, step.waitForEvent's { type, timeout }. */
  options: unknown;
  /** step.do only: how many times the engine ran its callback (1 + retries). */
  attempts: number;
  /** step.waitForEvent only: the event it returned (type, payload, timestamp), once it has. */
  received?: { type: string; payload: unknown };
}

type WorkflowClass = { prototype: { run(event: Readonly<WorkflowEvent<unknown>>, step: WorkflowStep): Promise<unknown> } };

/**
 * Records what every instance of `workflow` started from now on asks of the Workflows engine:
 * each step.do with its retry config and the number of attempts the engine made, each sleep with
 * its duration, each waitForEvent with its timeout. The engine's own introspection cannot say
 * what timeout a wait asked for, so this is how a test checks the real durations (an hour's
 * wait, a reminder at half of it) without waiting them out, alongside forceEventTimeout; and
 * what the engine cannot show either: an instance's params and the events its waits received
 * (the event payloads' versions). Every call goes through to the engine unchanged. Dispose the result (`using`) to stop recording.
 */
export function recordWorkflowSteps(workflow: WorkflowClass) {
  const calls: StepCall[] = [];
  const params = new Map<string, unknown>();
  const run = workflow.prototype.run;
  const spy = vi.spyOn(workflow.prototype, "run").mockImplementation(function (this: unknown, event, step) {
    const instanceId = event.instanceId;
    params.set(instanceId, event.payload);
    const add = (kind: StepCall["kind"], name: string, options: unknown) => {
      const call: StepCall = { instanceId, kind, name, options, attempts: 0 };
      calls.push(call);
      return call;
    };
    const recorded = {
      do: (name: string, ...rest: unknown[]) => {
        const callback = rest.pop() as (ctx: unknown) => Promise<unknown>;
        const call = add("do", name, rest[0] ?? null);
        const counted = (ctx: unknown) => {
          call.attempts++;
          return callback(ctx);
        };
        return (step.do as (...args: unknown[]) => Promise<unknown>)(name, ...rest, counted);
      },
      sleep: (name: string, duration: WorkflowSleepDuration) => {
        add("sleep", name, duration);
        return step.sleep(name, duration);
      },
      sleepUntil: (name: string, timestamp: Date | number) => {
        add("sleep", name, { until: timestamp });
        return step.sleepUntil(name, timestamp);
      },
      waitForEvent: (name: string, options: { type: string; timeout?: WorkflowSleepDuration | number }) => {
        const call = add("waitForEvent", name, options);
        return step.waitForEvent(name, options).then((received) => {
          call.received = received as StepCall["received"];
          return received;
        });
      },
    } as unknown as WorkflowStep;
    return run.call(this, event, recorded);
  });
  return {
    calls,
    /** The calls of one instance, optionally of one kind. */
    of: (instanceId: string, kind?: StepCall["kind"]) => calls.filter((c) => c.instanceId === instanceId && (!kind || c.kind === kind)),
    /** The params an instance ran with (its event's payload). */
    paramsOf: (instanceId: string) => params.get(instanceId),
    [Symbol.dispose]: () => spy.mockRestore(),
  };
}

/**
 * Every line the Worker and its workflows write to the console from now on (they run in the
 * test's isolate), still shown for a failing test. Dispose the result to stop capturing.
 */
export function captureLogs() {
  const lines: string[] = [];
  const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) => {
    const original = console[level].bind(console);
    return vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.name}: ${a.message}\n${a.stack}` : JSON.stringify(a))).join(" "));
      original(...args);
    });
  });
  return {
    lines,
    [Symbol.dispose]: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/**
 * A request with only its D1 record: no workflow instance (gone, or not started yet), so an event
 * sent to it fails. One approver's request of the default type, with a new id, unless `r` says
 * otherwise. Its id, and the time it was recorded at (its creation and its expiry).
 */
export async function requestWithoutInstance(
  r: Pick<Parameters<typeof upsertRequest>[1], "requester" | "approvers"> & Partial<Parameters<typeof upsertRequest>[1]>,
): Promise<{ id: string; at: string }> {
  const id = r.id ?? newRequestId();
  const at = new Date().toISOString();
  await upsertRequest(env.DB, { type: "default", description: "instance gone", quorum: 1, allowSelf: false, createdAt: at, expiresAt: at, ...r, id });
  return { id, at };
}
