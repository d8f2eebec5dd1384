// A local stand-in for Slack, shared by the tests, `npm run dev`, the bridge and the benchmarks:
// one fake Slack, not two. See standin/README.md for what it emulates and every rule it enforces.
// - The Web API methods the service uses (web-api.js), with Slack's response shapes and refusals,
//   recording every call; faults can be injected.
// - response_url hooks (/hooks/...) it issued, applied to the conversation they came from.
// - A web page (GET /) showing a small workspace to act in (ui.js, page/); what the person does
//   there is delivered to the app as Slack would (delivery.js): signed HTTP posts to the
//   service's routes, or Socket Mode envelopes over apps.connections.open's WebSocket.
// - Control endpoints for tests and tools (not Slack), under /_control/.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import { messageBlocksRefusal } from "./block-kit.js";
import { createDelivery } from "./delivery.js";
import { createFunctions, WORKFLOWS } from "./functions.js";
import { createIssuer } from "./issued.js";
import { eventCallback } from "./payloads.js";
import { createSocketMode } from "./socket-mode.js";
import { createWorkspaceUi } from "./ui.js";
import { createWebApi, manifestScopes } from "./web-api.js";
import { APP, addMember, newMembers, USER_GROUPS, USER_ID } from "./workspace.js";

const asset = (name) => readFileSync(fileURLToPath(new URL(`./page/${name}`, import.meta.url)), "utf8");

/**
 * @param {{ token?: string, port?: number, host?: string, quiet?: boolean,
 *   signingSecret?: string, serviceUrl?: string, appToken?: string, pingIntervalMs?: number,
 *   members?: (string | { id: string, name?: string, real_name?: string })[], scopes?: string[],
 *   eventRetryDelaysMs?: number[], now?: () => number }} [options]
 *   signingSecret + serviceUrl: where the page's slash commands, clicks and modal submissions go
 *   (the service's base URL, e.g. http://127.0.0.1:8787) and the secret they are signed with.
 *   appToken: the xapp- token apps.connections.open accepts (Socket Mode).
 *   members: users the workspace knows besides the page's people (the tests' policy users).
 *   scopes: the bot token's scopes (default: the manifest's, slack-app-manifest.yaml).
 *   eventRetryDelaysMs: Slack's retry schedule for failed event deliveries, shortened for tests.
 *   now: the clock trigger_ids and response_urls age by (a test moves it instead of waiting).
 */
export async function startFakeSlack(options = {}) {
  const token = options.token ?? "xoxb-local-dev-token";
  const appToken = options.appToken ?? "xapp-1-local-dev-app-token";
  const host = options.host ?? "127.0.0.1";
  const scopes = options.scopes ?? manifestScopes();
  const initial = () => newState({ members: newMembers(options.members), tokens: { [token]: scopes } });
  const state = initial();
  /** Server-sent-event listeners of the page. */
  const watchers = new Set();
  /** Long-polling control requests (`wait=`), woken on every change. */
  const waiters = new Set();
  const changed = () => {
    state.version++;
    for (const res of watchers) res.write(`data: ${state.version}\n\n`);
    for (const waiter of [...waiters]) waiter.check();
  };
  /**
   * What `compute` returns once it is non-empty, or after `waitMs` whatever it returns then: a
   * test waits for the call or post it expects instead of re-reading the whole log on a timer.
   */
  function whenFound(compute, waitMs) {
    const first = compute();
    if (first.length > 0 || !(waitMs > 0)) return Promise.resolve(first);
    return new Promise((resolve) => {
      const waiter = {
        check: () => compute().length > 0 && waiter.finish(),
        finish: () => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(compute());
        },
      };
      const timer = setTimeout(waiter.finish, Math.min(waitMs, MAX_WAIT_MS));
      waiters.add(waiter);
    });
  }
  const socket = createSocketMode({ appId: APP.id, pingIntervalMs: options.pingIntervalMs, onChange: changed });
  let base = "";
  const issuer = createIssuer(state, options.now);
  const delivery = createDelivery({ state, options, socket, changed });
  const functions = createFunctions({ state, nextTs, now: options.now, changed, deliver: (...a) => delivery.deliver(...a), eventCallback });
  const webApi = createWebApi({ state, issuer, nextTs, functions });
  const ui = createWorkspaceUi({ state, issuer, delivery, functions, base: () => base, nextTs, changed });
  const page = { html: asset("page.html"), js: asset("page.js"), css: asset("page.css") };

  const server = createServer(async (req, res) => {
    try {
      await handle(req, res);
    } catch (err) {
      send(res, 500, { ok: false, error: "fake_slack_bug", detail: String(err) });
    }
  });
  server.on("upgrade", (req, sock, head) => {
    if (!socket.handleUpgrade(req, sock, head)) sock.destroy();
  });

  async function handle(req, res) {
    const url = new URL(req.url ?? "/", `http://${host}`);
    if (req.method === "GET" && (url.pathname === "/" || url.pathname.startsWith("/_ui/"))) return serveUi(url, req, res);
    const body = await readBody(req);
    if (url.pathname.startsWith("/_control/")) return control(url, body, res);
    if (url.pathname.startsWith("/_ui/")) return uiAction(url, req, body, res);
    if (url.pathname.startsWith("/hooks/")) return respond(url.pathname, body, res);
    const m = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
    if (!m) return send(res, 404, { ok: false, error: "unknown_method" });
    const method = m[1];
    const args = parseArgs(req.headers["content-type"], body);
    const auth = req.headers.authorization ?? (args.token ? `Bearer ${args.token}` : undefined);
    const call = { seq: ++state.seq, method, args, at: Date.now(), result: "ok" };
    state.calls.push(call);
    try {
      return await answerApi(call, method, args, auth, body, res);
    } finally {
      changed();
    }
  }

  /**
   * A post to a response_url: only one the stand-in issued, at most 5 times within 30 minutes
   * (issued.js), with a message Slack would take. Slack answers these as an incoming webhook
   * does: 200 "ok", or an error code as plain text with an HTTP status.
   * @see https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks ("HTTP 200 response with a plain text ok"; invalid_payload, no_text)
   * @see https://github.com/slackapi/java-slack-sdk/blob/86ff7ca/slack-api-client/src/test/java/test_with_remote_apis/IncomingWebhooksTest.java (invalid blocks: HTTP 400, body "invalid_blocks")
   */
  function respond(path, raw, res) {
    const body = parseJson(raw);
    const record = { seq: ++state.seq, path, body, at: Date.now() };
    const refusal = issuer.hookRefusal(path) ?? hookBodyRefusal(body);
    if (refusal) record.refused = refusal.error;
    state.responses.push(record);
    if (!refusal) ui.applyHook(path, body);
    changed();
    return refusal ? send(res, refusal.status, refusal.error) : send(res, 200, "ok");
  }

  async function answerApi(call, method, args, auth, body, res) {
    // A workflow step's token (xwfp-): the bot's scopes while it works, token_revoked after.
    const bearer = /^Bearer (.+)$/.exec(auth ?? "")?.[1];
    const jit = bearer ? functions.tokenState(bearer) : undefined;
    const caller = jit?.ok ? { kind: "workflow", executionId: jit.execution.id } : { kind: "bot" };
    const tokenScopes = (a) => (jit?.ok ? state.tokens[token] : botScopes(a));
    const fault = takeFault(method, body) ?? chaosFault();
    if (fault) {
      call.result = fault.status ? `http_${fault.status}` : (fault.error ?? (fault.late ? "late" : fault.lost ? "lost" : "delay"));
      if (fault.late) {
        // Slack did the work at once; its answer arrives after the client has given up.
        const answer = tokenScopes(auth) ? webApi.call(method, args, tokenScopes(auth), caller) : { ok: false, error: "invalid_auth" };
        await new Promise((r) => setTimeout(r, fault.delayMs));
        return send(res, 200, answer);
      }
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.lost) {
        // Slack did the work, but the answer never arrives (a timeout or a dropped connection).
        if (tokenScopes(auth)) webApi.call(method, args, tokenScopes(auth), caller);
        return res.socket?.destroy();
      }
      if (fault.status) {
        const headers = fault.retryAfter ? { "retry-after": String(fault.retryAfter) } : {};
        return send(res, fault.status, fault.status === 429 ? { ok: false, error: "ratelimited" } : "upstream error", headers);
      }
      if (fault.error) return send(res, 200, { ok: false, error: fault.error });
    }
    if (!auth) return fail(call, res, "not_authed");
    if (jit?.error) return fail(call, res, jit.error);
    if (method === "apps.connections.open") {
      // Needs the app-level token (xapp-), never the bot token.
      if (tokenScopes(auth)) return fail(call, res, "not_allowed_token_type");
      if (auth !== `Bearer ${appToken}`) return fail(call, res, "invalid_auth");
      return send(res, 200, { ok: true, url: socket.ticketUrl(base) });
    }
    const scopes = tokenScopes(auth);
    if (!scopes) return fail(call, res, "invalid_auth");
    const answer = webApi.call(method, args, scopes, caller);
    if (answer.ok === false) call.result = answer.error;
    return send(res, 200, answer);
  }

  /** The scopes of a bot token the stand-in knows (undefined for any other token). */
  function botScopes(auth) {
    const m = /^Bearer (.+)$/.exec(auth ?? "");
    return m ? state.tokens[m[1]] : undefined;
  }

  function fail(call, res, error) {
    call.result = error;
    return send(res, 200, { ok: false, error });
  }

  /** Chaos mode: a share of all Web API calls fail at random (seeded, so a drill can be replayed). */
  function chaosFault() {
    const chaos = state.chaos;
    if (!chaos || chaos.random() >= chaos.rate) return undefined;
    const kind = chaos.kinds[Math.floor(chaos.random() * chaos.kinds.length)];
    chaos.counts[kind] = (chaos.counts[kind] ?? 0) + 1;
    if (kind === "500") return { status: 500 };
    if (kind === "429") return { status: 429, retryAfter: 1 };
    if (kind === "lost") return { lost: true };
    return { lost: true, delayMs: chaos.slowMs, late: true }; // "slow": Slack acted at once, the answer comes after the client gave up
  }

  function takeFault(method, rawBody) {
    const i = state.faults.findIndex((f) => (f.method === method || f.method === "*") && (!f.match || rawBody.includes(f.match)));
    if (i < 0) return undefined;
    const rule = state.faults[i];
    const fault = rule.queue.shift();
    if (rule.queue.length === 0) state.faults.splice(i, 1);
    return fault;
  }

  // ---- the page

  function serveUi(url, req, res) {
    if (url.pathname === "/") return send(res, 200, page.html, { "content-type": "text/html; charset=utf-8", ...PAGE_HEADERS });
    if (url.pathname === "/_ui/page.js") return send(res, 200, page.js, { "content-type": "text/javascript; charset=utf-8", ...PAGE_HEADERS });
    if (url.pathname === "/_ui/page.css") return send(res, 200, page.css, { "content-type": "text/css; charset=utf-8", ...PAGE_HEADERS });
    if (url.pathname === "/_ui/state") {
      const user = url.searchParams.get("user") ?? "";
      if (!USER_ID.test(user)) return send(res, 400, { ok: false, error: "user_not_found" });
      return send(res, 200, ui.snapshot(user), { "cache-control": "no-store" });
    }
    if (url.pathname === "/_ui/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write(`retry: 1000\ndata: ${state.version}\n\n`);
      watchers.add(res);
      req.on("close", () => watchers.delete(res));
      return;
    }
    return send(res, 404, { ok: false, error: "not found" });
  }

  /** The page's actions. Only same-origin JSON posts (no form from another site can sign requests). */
  async function uiAction(url, req, body, res) {
    const origin = req.headers.origin;
    const sameOrigin = !origin || origin === base || origin === base.replace("127.0.0.1", "localhost");
    if (req.method !== "POST" || !String(req.headers["content-type"] ?? "").startsWith("application/json") || !sameOrigin) {
      return send(res, 403, { ok: false, error: "the stand-in's page actions take same-origin JSON posts only" });
    }
    const input = parseJson(body) ?? {};
    const user = String(input.user ?? "");
    if (!state.members.has(user)) return send(res, 400, { ok: false, error: "user_not_found" });
    const handlers = {
      "/_ui/command": ui.command,
      "/_ui/action": ui.action,
      "/_ui/view_submission": ui.submitView,
      "/_ui/view_closed": ui.closeView,
      "/_ui/message": ui.message,
      "/_ui/home_opened": ui.openHome,
      "/_ui/workflow_run": ui.runWorkflow,
    };
    const handler = handlers[url.pathname];
    if (!handler) return send(res, 404, { ok: false, error: "unknown page action" });
    const out = await handler({ ...input, user, channel: String(input.channel ?? "") });
    return send(res, out.status, out.body);
  }

  async function control(url, body, res) {
    const since = Number(url.searchParams.get("since") ?? "0");
    const waitMs = Number(url.searchParams.get("wait") ?? "0");
    const input = parseJson(body) ?? {};
    switch (url.pathname) {
      case "/_control/users": {
        // { id: "U…", name?, real_name?, tz? }: a new member of the workspace (the tests' newUser()).
        if (typeof input.id !== "string" || !USER_ID.test(input.id)) return send(res, 400, { ok: false, error: "expected {id: a Slack user id}" });
        return send(res, 200, { ok: true, user: addMember(state.members, input) });
      }
      case "/_control/trigger_ids":
        // { user }: a trigger_id as if `user` had just acted (valid 3 s, once).
        if (typeof input.user !== "string") return send(res, 400, { ok: false, error: "expected {user}" });
        return send(res, 200, { ok: true, trigger_id: issuer.triggerId(input.user) });
      case "/_control/response_urls": {
        // { user, channel, kind?: "commands" | "actions", message_ts? }: a response_url for a command or a click.
        if (typeof input.user !== "string" || typeof input.channel !== "string") return send(res, 400, { ok: false, error: "expected {user, channel}" });
        const path = issuer.responsePath({ kind: input.kind, user: input.user, channel: input.channel, messageTs: input.message_ts });
        return send(res, 200, { ok: true, response_url: `${base}${path}` });
      }
      case "/_control/tokens":
        // { token, scopes: [...] }: another bot token, e.g. one lacking a scope the manifest has.
        if (typeof input.token !== "string" || !Array.isArray(input.scopes)) return send(res, 400, { ok: false, error: "expected {token, scopes}" });
        state.tokens[input.token] = input.scopes.map(String);
        return send(res, 200, { ok: true });
      case "/_control/events": {
        // { event: {...} } (wrapped in an event_callback) or { body: {...} } (sent as it is): any Events
        // API body, delivered signed like Slack's and retried like Slack's. Answers with the first attempt.
        const payload = input.body ?? (input.event ? eventCallback(input.event) : undefined);
        if (!payload || typeof payload !== "object") return send(res, 400, { ok: false, error: "expected {event} or {body}" });
        const result = await delivery.deliver("event", payload, payload.event?.user);
        return send(res, 200, { ok: true, event_id: payload.event_id, delivered: result.ok, status: result.status, error: result.error });
      }
      case "/_control/ssl_check":
        return send(res, 200, { ok: true, delivery: await delivery.sslCheck() });
      case "/_control/settings": {
        // { eventRetryDelaysMs?: [ms, ms, ms] }: Slack's retry schedule, shortened for a test;
        // { jitTokenTtlMs?: ms }: a workflow token's life (15 minutes); { botTokenCompletes?: boolean }:
        // whether the bot token may complete a step run (UNVERIFIED in Slack's docs; default yes).
        const retries = input.eventRetryDelaysMs;
        const okRetries = retries === undefined || (Array.isArray(retries) && retries.every((n) => Number.isFinite(n) && n >= 0));
        const okTtl = input.jitTokenTtlMs === undefined || (Number.isFinite(input.jitTokenTtlMs) && input.jitTokenTtlMs >= 0);
        const okBot = input.botTokenCompletes === undefined || typeof input.botTokenCompletes === "boolean";
        if (!okRetries || !okTtl || !okBot || (retries === undefined && input.jitTokenTtlMs === undefined && input.botTokenCompletes === undefined))
          return send(res, 400, { ok: false, error: "expected {eventRetryDelaysMs: [...]}, {jitTokenTtlMs} or {botTokenCompletes}" });
        for (const k of ["eventRetryDelaysMs", "jitTokenTtlMs", "botTokenCompletes"]) if (input[k] !== undefined) state.settings[k] = input[k];
        return send(res, 200, { ok: true });
      }
      case "/_control/usergroups": {
        // { id: "S…", users: [...] }: a user group's members from now on (e.g. an empty group).
        if (!USER_GROUPS.some((g) => g.id === input.id) || !Array.isArray(input.users))
          return send(res, 400, { ok: false, error: "expected {id: a known group, users}" });
        state.usergroups[input.id] = input.users.map(String);
        return send(res, 200, { ok: true });
      }
      case "/_control/functions/execute": {
        // { callback_id?, inputs, user? }: a step run, not delivered: the event body is returned (the workerd tests post it signed).
        try {
          const { execution, body } = functions.execute({ callback_id: input.callback_id, inputs: input.inputs ?? {}, user: input.user });
          return send(res, 200, { ok: true, execution_id: execution.id, token: body.event.bot_access_token, body });
        } catch (err) {
          return send(res, 400, { ok: false, error: String(err.message) });
        }
      }
      case "/_control/functions/token": {
        // { execution_id }: a new workflow token for a running step run, as a click on its message brings.
        const e = state.executions[input.execution_id];
        if (e?.status !== "running") return send(res, 400, { ok: false, error: "execution not running" });
        return send(res, 200, { ok: true, token: functions.issueToken(e) });
      }
      case "/_control/functions":
        return send(res, 200, Object.values(state.executions).map(functions.view));
      case "/_control/workflows/run": {
        // { workflow, user }: what the page's Run button does.
        const out = await functions.runWorkflow(String(input.workflow ?? ""), String(input.user ?? ""));
        return send(res, out.ok ? 200 : 400, out);
      }
      case "/_control/changes": {
        // { version }: at once if the state changed after `after`, else at the next change (or after `wait` ms).
        const after = Number(url.searchParams.get("after") ?? "-1");
        await whenFound(() => (state.version > after ? [state.version] : []), waitMs);
        return send(res, 200, { version: state.version });
      }
      case "/_control/calls": {
        // method: one method; match: a substring of the call's arguments (as JSON), e.g. a user id;
        // wait: answer when a call matches (long poll), at most that many ms.
        const method = url.searchParams.get("method");
        const match = url.searchParams.get("match");
        const matches = (c) => c.seq > since && (!method || c.method === method) && (!match || argsJson(c).includes(match));
        return send(res, 200, await whenFound(() => state.calls.filter(matches), waitMs));
      }
      case "/_control/responses": {
        // path: the response_url's path (the end of it); wait: as for calls.
        const path = url.searchParams.get("path");
        const matches = (r) => r.seq > since && (!path || r.path.endsWith(path));
        return send(res, 200, await whenFound(() => state.responses.filter(matches), waitMs));
      }
      case "/_control/deliveries":
        // what the page (or a test) delivered to the app: kind, via http/socket, status, ms, ack
        return send(
          res,
          200,
          state.deliveries.filter((d) => d.seq > since),
        );
      case "/_control/envelopes":
        // Socket Mode: every envelope sent and its ack (acked, ackMs, ackPayload) or error
        return send(res, 200, { connections: socket.connections, envelopes: socket.envelopes });
      case "/_control/ephemerals":
        return send(res, 200, state.ephemerals);
      case "/_control/messages": {
        const channel = url.searchParams.get("channel");
        return send(
          res,
          200,
          state.messages.filter((m) => !channel || m.channel === channel),
        );
      }
      case "/_control/faults": {
        // { method: "chat.postMessage" | "*", match?: "substring of the request body", faults: [{ status?, retryAfter?, error?, delayMs? }] }
        const rule = parseJson(body);
        if (!rule?.method || !Array.isArray(rule.faults) || rule.faults.length === 0) return send(res, 400, { error: "expected {method, faults: [...]}" });
        state.faults.push({ method: rule.method, match: rule.match, queue: [...rule.faults] });
        return send(res, 200, { ok: true });
      }
      case "/_control/chaos": {
        // { rate: 0.3, kinds?: ["500", "429", "lost", "slow"], slowMs?: 12000, seed?: 1 } — rate 0 turns it off
        const c = parseJson(body);
        if (!c || typeof c.rate !== "number" || c.rate < 0 || c.rate > 1) return send(res, 400, { error: "expected {rate: 0..1}" });
        let seed = c.seed ?? 1;
        const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        state.chaos =
          c.rate === 0 ? undefined : { rate: c.rate, kinds: c.kinds ?? ["500", "429", "lost", "slow"], slowMs: c.slowMs ?? 12_000, random, counts: {} };
        return send(res, 200, { ok: true });
      }
      case "/_control/chaos-counts":
        return send(res, 200, state.chaos?.counts ?? {});
      case "/_control/reset":
        // Back to the workspace it started with (members, tokens), with nothing sent or issued.
        delivery.stop();
        Object.assign(state, { ...initial(), version: state.version });
        socket.reset();
        changed();
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: "unknown control endpoint" });
    }
  }

  function nextTs() {
    const now = Math.max(Math.floor(Date.now() / 1000), state.lastSecond);
    if (now !== state.lastSecond) {
      state.lastSecond = now;
      state.tsCounter = 0;
    }
    return `${now}.${String(++state.tsCounter).padStart(6, "0")}`;
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const address = server.address();
  base = `http://${host}:${address.port}`;
  return {
    url: base,
    apiUrl: `${base}/api/`,
    /** The workspace page to act in. */
    pageUrl: `${base}/`,
    token,
    appToken,
    state,
    /** Where the page's actions go right now ({ via: "socket" | "http" | "none", target }). */
    route: () => delivery.route(),
    /** In-process versions of the control endpoints (the benchmarks run the stand-in in their process). */
    addMember: (member) => addMember(state.members, member),
    issueTriggerId: (user) => issuer.triggerId(user),
    issueResponseUrl: (context) => `${base}${issuer.responsePath(context)}`,
    /** The page's workflows (standin/functions.js). */
    workflows: WORKFLOWS,
    /** Slack's ssl_check to the service's command URL; resolves to the recorded delivery. */
    sslCheck: () => delivery.sslCheck(),
    close: () =>
      new Promise((resolve) => {
        delivery.stop();
        for (const w of watchers) w.end();
        for (const waiter of [...waiters]) waiter.finish();
        socket.close();
        server.closeAllConnections?.();
        server.close(() => resolve(undefined));
      }),
  };
}

/** A recorded call's arguments as JSON, serialised once (the record never changes after it is made). */
const argsJsonCache = new WeakMap();
function argsJson(call) {
  let json = argsJsonCache.get(call);
  if (json === undefined) argsJsonCache.set(call, (json = JSON.stringify(call.args)));
  return json;
}

/** The longest a control request waits for a change (`wait=`). */
const MAX_WAIT_MS = 30_000;

const PAGE_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

/** @param {{ members: Map<string, any>, tokens: Record<string, string[]> }} workspace */
function newState(workspace) {
  return {
    seq: 0,
    version: 0,
    chaos: undefined,
    calls: [],
    messages: [],
    responses: [],
    ephemerals: [],
    faults: [],
    lastSecond: 0,
    tsCounter: 0,
    // the workspace: its members, bot tokens (token → scopes) and settings
    ...workspace,
    settings: {},
    // deliveries to the app, issued trigger ids and response_urls, modals, Home tabs
    deliveries: [],
    triggers: {},
    hooks: {},
    views: {},
    modalStacks: {},
    homes: {},
    // Workflow Builder: step runs, workflow tokens, user groups' members changed by a test
    executions: {},
    jitTokens: {},
    usergroups: {},
  };
}

/**
 * What an incoming webhook refuses in a message: a body that is not a JSON object
 * (invalid_payload), no text and no blocks (no_text, unless it only deletes the original), blocks
 * over Block Kit's limits (400 invalid_blocks).
 * @see https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks (error codes)
 */
function hookBodyRefusal(body) {
  if (!body || typeof body !== "object" || Array.isArray(body)) return { status: 400, error: "invalid_payload" };
  const deletes = body.delete_original === true || body.delete_original === "true";
  if (!body.text && !body.blocks && !body.attachments && !deletes) return { status: 400, error: "no_text" };
  if (messageBlocksRefusal(body.blocks)) return { status: 400, error: "invalid_blocks" };
  return undefined;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseArgs(contentType = "", body) {
  if (contentType.includes("application/json")) return parseJson(body) ?? {};
  const args = Object.fromEntries(new URLSearchParams(body));
  for (const k of ["blocks", "attachments", "view", "metadata"]) if (typeof args[k] === "string") args[k] = parseJson(args[k]) ?? args[k];
  for (const k of ["unfurl_links", "unfurl_media", "reply_broadcast", "include_all_metadata"])
    if (args[k] === "true" || args[k] === "false") args[k] = args[k] === "true";
  return args;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json; charset=utf-8", ...headers });
  res.end(text);
}

// `node standin/server.js [port]` runs it on its own.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.argv[2] ?? process.env.FAKE_SLACK_PORT ?? 8790);
  const fake = await startFakeSlack({
    port,
    token: process.env.SLACK_BOT_TOKEN,
    serviceUrl: process.env.SERVICE_URL,
    signingSecret: process.env.SLACK_SIGNING_SECRET,
  });
  console.log(`fake Slack API on ${fake.apiUrl}, workspace page on ${fake.pageUrl}`);
}
