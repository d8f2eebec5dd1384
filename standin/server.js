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
import { createApiAnswer } from "./api-answer.js";
import { messageBlocksRefusal } from "./block-kit.js";
import { createControl } from "./control-endpoints.js";
import { createDelivery } from "./delivery.js";
import { createFunctions, WORKFLOWS } from "./functions.js";
import { parseArgs, parseJson, readBody, send } from "./http.js";
import { createIssuer } from "./issued.js";
import { eventCallback } from "./payloads.js";
import { createSocketMode } from "./socket-mode.js";
import { createWorkspaceUi } from "./ui.js";
import { createWebApi, manifestScopes } from "./web-api.js";
import { APP, addMember, newMembers, USER_ID } from "./workspace.js";

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
  const answerApi = createApiAnswer({ state, token, appToken, webApi, functions, socket, base: () => base });
  const control = createControl({ state, issuer, delivery, functions, socket, initial, changed, whenFound, base: () => base });

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
